#!/usr/bin/env python3
"""Turns bench/run.sh's results into BENCHMARKS.md (on stdout) and bench/latency.svg."""
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

RESULTS, SIZES = sys.argv[1], [int(n) for n in sys.argv[2].split()]
HERE = os.path.dirname(os.path.abspath(__file__))


def median_ms(name):
    path = os.path.join(RESULTS, name + ".json")
    if not os.path.exists(path):
        return None
    return json.load(open(path))["results"][0]["median"] * 1000


def read(name, cast=int):
    path = os.path.join(RESULTS, name)
    return cast(open(path).read().split()[0]) if os.path.exists(path) else None


def checks_us(path):
    """The freshness checks pyguide timed, in microseconds."""
    return [int(x) for x in open(path).read().split()]


def fmt(ms):
    return "–" if ms is None else (f"{ms:.1f} ms" if ms < 100 else f"{ms / 1000:.2f} s")


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


floor, tldr = median_ms("hello"), median_ms("tldr")
rows = []  # (measure, value, target, met)


def target(measure, value, goal, met):
    rows.append((measure, value, goal, "yes" if met else "**no**"))


BUILTIN = read("builtin.count")
b_search, b_show = median_ms("builtin-search"), median_ms("builtin-show")
b_term, b_first = median_ms("builtin-show-terminal"), median_ms("builtin-first-run")
target("search, built-in guide", f"{fmt(b_search)} ({b_search / floor:.1f}× floor)", "≤ 2× floor", b_search <= 2 * floor)
target("show, piped", f"{fmt(b_show)} ({b_show / tldr:.2f}× tealdeer)", "≤ 1× tealdeer", b_show <= tldr)
target("show, rendered for a terminal", f"{fmt(b_term)} ({b_term / floor:.1f}× floor)", "–", True)
target("first run, no index, built-in guide", fmt(b_first), "< 50 ms", b_first < 50)
big = max(SIZES)
s_big, rg_big = median_ms(f"search-{big}"), median_ms(f"rg-{big}")
if s_big:
    target(f"search, {big:,} entries", f"{fmt(s_big)} ({s_big / floor:.1f}× floor)", "≤ 3× floor", s_big <= 3 * floor)
    target(f"search vs `rg -il`, {big:,} entries", f"{rg_big / s_big:.0f}× faster", "≥ 100× faster", rg_big >= 100 * s_big)
idx = median_ms(f"index-{big}")
if idx:
    rate = big / (idx / 1000)
    target(f"`index`, {big:,} entries", f"{rate:,.0f} entries/s", "≥ 20,000/s", rate >= 20000)
edit = median_ms(f"edit-{big}")
if edit:
    target(f"next command after a safe-save edit, {big:,} entries", fmt(edit), "≤ 50 ms", edit <= 50)
inplace = median_ms(f"inplace-{big}")
if inplace:
    path = os.path.join(RESULTS, f"inplace-{big}.found")
    found = os.path.exists(path) and open(path).read().strip() != ""
    seen = "found by that search" if found else "NOT found by that search"
    target(f"next command after an in-place edit of a recently edited entry, {big:,} entries",
           f"{fmt(inplace)}, the new text {seen}", "≤ 50 ms", found and inplace <= 50)
    target(f"an in-place edit of an entry not edited lately, {big:,} entries",
           "needs `pyguide index` (or `pyguide edit`, which updates the index itself)", "≤ 50 ms", False)
rss_b = read("builtin-search.rss")
rss_big = read(f"search-{big}.rss")
heap_big = read(f"search-{big}.heap")
if rss_big:
    note = f" (heap {heap_big / 1e6:.1f} MB; the rest is mapped index pages)" if heap_big else ""
    target(f"peak RSS, search, {big:,} entries", f"{rss_big / 1024:.1f} MB{note}", "≤ 32 MB", rss_big <= 32 * 1024)
target("peak RSS, search, built-in guide", f"{rss_b / 1024:.1f} MB", "–", True)
build = read("build-release.s", float)
if build:
    target("`cargo build --release` from clean", f"{int(build // 60)} min {int(build % 60)} s", "≤ 4 min", build <= 240)
size = read("binary.size")
target("release binary", f"{size / 1e6:.1f} MB", "–", True)


def keys(name):
    """`pyguide browse --bench-keys`'s line: keystrokes N: median X ms, max Y ms (...)."""
    line = read(name, str) and open(os.path.join(RESULTS, name)).read().strip()
    if not line:
        return None, None
    med = float(line.split("median ")[1].split(" ms")[0])
    mx = float(line.split("max ")[1].split(" ms")[0])
    return med, mx


k_med, k_max = keys("keys-builtin")
if k_med is not None:
    target("picker keystroke (hits + preview drawn), built-in guide", f"median {k_med:.2f} ms, max {k_max:.2f} ms", "< 16 ms", k_max < 16)
k_med, k_max = keys("keys-10000")
if k_med is not None:
    target("picker keystroke, 10,000 entries", f"median {k_med:.2f} ms, max {k_max:.2f} ms", "< 50 ms", k_max < 50)

print("# Benchmarks\n")
print("Whole processes, measured by `bench/run.sh` with hyperfine (medians after warm-up),")
print("in a hermetic environment (empty HOME, XDG folders under target/bench). The picker's")
print("keystrokes are timed in-process (`pyguide browse --bench-keys QUERY`: each key updates the")
print("hits and draws them with the preview on an off-screen 80x24 terminal). A `–` target is")
print("reported, not a goal.\n")
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip() or platform.processor()
mem = sh("free -g | awk '/Mem/ {print $2}'")
print(f"- Machine: {sh('nproc')} cores, {cpu},")
print(f"  {mem} GiB, {platform.system()} {platform.release()}")
print(f"- {read('rustc.version', str) and open(os.path.join(RESULTS, 'rustc.version')).read().strip()}; pyguide {sh('git rev-parse --short HEAD')}")
print(f"- Floor (hello-world Rust binary): {fmt(floor)}; tealdeer rendering a page: {fmt(tldr)}\n")
print("## Targets\n")
print("| measure | result | target | met |")
print("|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print("\n## By guide size\n")
print("Synthetic guides from `bench/gen_guide.py` (300 to 800 words an entry, code blocks,")
print(f"identifiers), plus the {BUILTIN} built-in entries.\n")
print("| entries | index build | entries/s | index size | search | search `post_save` | show | peak RSS (search) | after one edit | folder check | `rg -il` |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
print(f"| {BUILTIN} (built-in) | at build time | – | in the binary | {fmt(b_search)} | {fmt(median_ms('builtin-search-ident'))} | {fmt(b_show)} | {rss_b / 1024:.1f} MB | – | – | – |")
for n in SIZES:
    idx = median_ms(f"index-{n}")
    size = read(f"index-{n}.size")
    checks = os.path.join(RESULTS, f"check-{n}.us")
    check = statistics.median(checks_us(checks)) if os.path.exists(checks) else None
    rss = read(f"search-{n}.rss")
    print(f"| {n + BUILTIN:,} | {fmt(idx)} | {n / (idx / 1000):,.0f} | {size / 1e6:.0f} MB | {fmt(median_ms(f'search-{n}'))} "
          f"| {fmt(median_ms(f'search-ident-{n}'))} | {fmt(median_ms(f'show-{n}'))} | {rss / 1024:.1f} MB "
          f"| {fmt(median_ms(f'edit-{n}'))} | {check / 1000:.2f} ms ({read(f'dirs-{n}.count')} folders) | {fmt(median_ms(f'rg-{n}'))} |")
print("\n![Latency against guide size](bench/latency.svg)\n")
# What stops the rows not met: profiles written by hand in bench/bounds.md (with the commit
# they were taken at), since a profile is not something this run measures.
print((Path(__file__).parent / "bounds.md").read_text(), end="")


# The plot: latency (log scale) against guide size (log scale).
xs = [BUILTIN] + [n + BUILTIN for n in SIZES]
series = [
    ("search", "#1f77b4", [b_search] + [median_ms(f"search-{n}") for n in SIZES]),
    ("show", "#2ca02c", [b_show] + [median_ms(f"show-{n}") for n in SIZES]),
    ("rg -il (same files)", "#d62728", [None] + [median_ms(f"rg-{n}") for n in SIZES]),
    ("hello-world floor", "#7f7f7f", [floor] * len(xs)),
]
import math
W, H, L, B, T, R = 640, 400, 70, 50, 30, 170
vals = [v for _, _, ys in series for v in ys if v]
ylo, yhi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
xlo, xhi = math.log10(xs[0]) - 0.1, math.log10(xs[-1]) + 0.1
px = lambda x: L + (math.log10(x) - xlo) / (xhi - xlo) * (W - L - R)
py = lambda y: H - B - (math.log10(y) - ylo) / (yhi - ylo) * (H - B - T)
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="18" font-size="14">pyguide latency by guide size (median, log scales)</text>']
for e in range(ylo, yhi + 1):
    y = py(10 ** e)
    out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
    label = f"{10 ** e:g} ms" if e >= 0 else f"{10 ** e:g} ms"
    out.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
for x in xs:
    out.append(f'<line x1="{px(x):.1f}" y1="{H - B}" x2="{px(x):.1f}" y2="{T}" stroke="#eee"/>')
    out.append(f'<text x="{px(x):.1f}" y="{H - B + 16}" text-anchor="middle">{x:,}</text>')
out.append(f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">entries</text>')
for i, (name, color, ys) in enumerate(series):
    pts = [(px(x), py(y)) for x, y in zip(xs, ys) if y]
    out.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>' % (color, " ".join(f"{a:.1f},{b:.1f}" for a, b in pts)))
    for a, b in pts:
        out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"/>')
    ly = T + 20 + i * 18
    out.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 30}" y2="{ly}" stroke="{color}" stroke-width="2"/>')
    out.append(f'<text x="{W - R + 36}" y="{ly + 4}">{name}</text>')
out.append("</svg>")
open(os.path.join(HERE, "latency.svg"), "w").write("\n".join(out) + "\n")
