#!/usr/bin/env bash
# Measures pyguide as whole processes, beside the floor (a hello-world Rust binary), ripgrep
# over the same files and tealdeer rendering a page, on the built-in guide and on synthetic
# guides of 1k, 10k and 100k entries. Writes BENCHMARKS.md and bench/latency.svg.
#
# Usage: bench/run.sh            (all sizes; about 10 minutes on 2 cores)
#        SIZES="1000 10000" bench/run.sh
#        BENCH_BUILD=1 bench/run.sh   (also times `cargo build --release` from clean)
# Installs what it needs: hyperfine and ripgrep (apt-get), tealdeer (cargo install).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=${SIZES:-"1000 10000 100000"}
WORK=${BENCH_DIR:-$ROOT/target/bench}
mkdir -p "$WORK"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need hyperfine || ! need rg || ! need valgrind; then
  apt-get install -y hyperfine ripgrep valgrind >/dev/null 2>&1 ||
    sudo apt-get install -y hyperfine ripgrep valgrind
fi
TLDR=$WORK/tools/bin/tldr
[ -x "$TLDR" ] || cargo install --quiet --root "$WORK/tools" tealdeer
HELLO=$WORK/hello/target/release/hello
if [ ! -x "$HELLO" ]; then
  # Written by hand, as its own workspace: `cargo new` here would join pyguide's.
  rm -rf "$WORK/hello" && mkdir -p "$WORK/hello/src"
  printf '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n' > "$WORK/hello/Cargo.toml"
  printf 'fn main() {\n    println!("Hello, world!");\n}\n' > "$WORK/hello/src/main.rs"
  cargo build --quiet --release --manifest-path "$WORK/hello/Cargo.toml"
fi
cargo build --quiet --release
PY=$ROOT/target/release/pyguide

rustc --version > "$WORK/rustc.version"

# The toolchain stays where it is when HOME moves.
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup} CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
# A hermetic environment for every run.
export HOME=$WORK/home XDG_DATA_HOME=$WORK/home/data XDG_CONFIG_HOME=$WORK/home/config
export XDG_CACHE_HOME=$WORK/cache
unset NO_COLOR PAGER COLUMNS PYGUIDE_KB_PATH PYGUIDE_PAGER
mkdir -p "$HOME"
RESULTS=$WORK/results
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
mv "$WORK/rustc.version" "$RESULTS/"

# A tldr page of about the size of a pyguide result screen.
mkdir -p "$WORK/tldr"
cat > "$WORK/tldr/tar.md" <<'PAGE'
# tar

> Archiving utility.
> Often combined with a compression method, such as gzip or bzip2.
> More information: <https://www.gnu.org/software/tar>.

- [c]reate an archive and write it to a [f]ile:

`tar cf {{path/to/target.tar}} {{path/to/file1 path/to/file2 ...}}`

- [c]reate a g[z]ipped archive and write it to a [f]ile:

`tar czf {{path/to/target.tar.gz}} {{path/to/file1 path/to/file2 ...}}`

- E[x]tract a (compressed) archive [f]ile into the current directory [v]erbosely:

`tar xvf {{path/to/source.tar[.gz|.bz2|.xz]}}`
PAGE

# name, runs, command... -> results/<name>.json (hyperfine, no shell, after warm-up)
# A search exits 1 when no entry answers it for sure (the synthetic guides' words are
# random): that is an answer. Each command is run once first and must exit 0 or 1.
hf() {
  local name=$1 runs=$2; shift 2
  local last=${*: -1} status=0
  sh -c "$last" >/dev/null 2>&1 || status=$?
  if [ "$status" -gt 1 ]; then echo "$name: '$last' exited $status" >&2; exit 1; fi
  hyperfine -N -i --warmup "${WARMUP:-3}" --runs "$runs" --export-json "$RESULTS/$name.json" "$@" >/dev/null 2>&1
}
# name, command... -> results/<name>.rss (peak resident memory, KB) and, with valgrind,
# results/<name>.heap (peak heap, bytes): resident memory also counts the pages of the
# index files mapped in, which the kernel can drop at any time. How many it maps for each
# page a search touches depends on how the files came into the page cache: just after
# `pyguide index` wrote them, a search of 100,000 entries peaked at 248 MB; after the cache
# was dropped, at 60 MB, and still 60 MB once every index file had been read back with `cat`.
# Where it may (as root), the cache is dropped and the command run once first, so that the
# figure does not depend on what last wrote the files.
rss() {
  local name=$1; shift
  if [ -w /proc/sys/vm/drop_caches ]; then
    sync && echo 1 > /proc/sys/vm/drop_caches
    "$@" >/dev/null 2>&1 || true
  fi
  /usr/bin/time -f %M -o "$RESULTS/$name.rss" "$@" >/dev/null 2>&1
  if need valgrind; then
    valgrind --tool=massif --massif-out-file="$WORK/massif.out" "$@" >/dev/null 2>&1
    awk -F= '/^mem_heap_B/ {h=$2} /^mem_heap_extra_B/ {if (h+$2 > m) m = h+$2} END {print m}' \
      "$WORK/massif.out" > "$RESULTS/$name.heap"
  fi
}

echo "floors"
hf hello 200 "$HELLO"
hf tldr 200 "$TLDR --render $WORK/tldr/tar.md"

find kb -name "*.md" | wc -l > "$RESULTS/builtin.count"
echo "built-in guide ($(cat "$RESULTS/builtin.count") entries)"
rm -rf "$XDG_CACHE_HOME"
hf builtin-first-run 50 --prepare "rm -rf $XDG_CACHE_HOME" "$PY search lazy queryset"
hf builtin-search 200 "$PY search lazy queryset"
hf builtin-search-ident 200 "$PY search post_save"
hf builtin-show 200 "$PY show decorators"
hf builtin-show-terminal 200 "$PY --color always show decorators"
rss builtin-search "$PY" search lazy queryset
"$PY" browse --bench-keys "how does a generator keep its state" > "$RESULTS/keys-builtin"
ls -l "$PY" | awk '{print $5}' > "$RESULTS/binary.size"

for n in $SIZES; do
  echo "synthetic guide: $n entries"
  kb=$WORK/kb-$n
  [ -d "$kb" ] || python3 bench/gen_guide.py "$n" "$kb"
  export PYGUIDE_KB_PATH=$kb
  rm -rf "$XDG_CACHE_HOME"
  runs=$([ "$n" -ge 100000 ] && echo 1 || echo 3)
  # `pyguide index` rebuilds everything each time: one warm-up run is enough.
  WARMUP=1 hf "index-$n" "$runs" "$PY index"
  du -sb "$XDG_CACHE_HOME/pyguide" | cut -f1 > "$RESULTS/index-$n.size"
  echo "$n" > "$RESULTS/index-$n.entries"
  hf "search-$n" 50 "$PY search lazy queryset"
  hf "search-ident-$n" 50 "$PY search post_save"
  hf "show-$n" 50 "$PY show decorators"
  rss "search-$n" "$PY" search lazy queryset
  # rg exits 1 when nothing matches: that is an answer, not a failure.
  hf "rg-$n" 5 "rg -il --no-messages lazy.queryset $kb"
  if [ "$n" = 10000 ]; then
    "$PY" browse --bench-keys "how does a generator keep its state" > "$RESULTS/keys-$n"
  fi
  file=$(find "$kb" -name '*.md' | sort | sed -n 1p)
  # A user's entry in a terminal: its code is highlighted at run time (not at build time).
  hf "show-user-terminal-$n" 30 "$PY --color always show $(basename "$file" .md)"
  # One entry changed (a line added) the way editors save (new file renamed over the old),
  # then a search.
  cp "$file" "$WORK/saved.md"
  hf "edit-$n" 10 --prepare "sh -c '{ cat $WORK/saved.md; echo edited \$RANDOM; } > $file.tmp && mv $file.tmp $file'" "$PY search lazy queryset"
  # The same entry written in place (VS Code, nano: same file, the folder untouched), then a
  # search; it is now among the most recently modified files, which every command stats.
  hf "inplace-$n" 10 --prepare "sh -c '{ cat $WORK/saved.md; echo edited \$RANDOM; } > $WORK/inplace.md && cat $WORK/inplace.md > $file'" "$PY search lazy queryset"
  # Whether the next search found a word written in place.
  { cat "$WORK/saved.md"; echo "zqxinplace"; } > "$WORK/inplace.md" && cat "$WORK/inplace.md" > "$file"
  "$PY" search --ids zqxinplace > "$RESULTS/inplace-$n.found" || true
  cp "$WORK/saved.md" "$file.tmp" && mv "$file.tmp" "$file"
  # The freshness check alone (one stat per folder), as pyguide itself times it.
  find "$kb" -type d | wc -l > "$RESULTS/dirs-$n.count"
  for _ in $(seq 21); do
    PYGUIDE_TIMINGS=1 "$PY" search lazy queryset 2>&1 >/dev/null | sed -n 's/.*freshness check \([0-9]*\).*/\1/p'
  done > "$RESULTS/check-$n.us"
  unset PYGUIDE_KB_PATH
done

# The README's first command from clean, in a target folder of its own (BENCH_BUILD=1).
if [ -n "${BENCH_BUILD:-}" ]; then
  rm -rf "$WORK/clean-target"
  start=$(date +%s.%N)
  CARGO_TARGET_DIR=$WORK/clean-target cargo build --quiet --release
  echo "$(date +%s.%N) - $start" | bc > "$RESULTS/build-release.s"
  rm -rf "$WORK/clean-target"
fi

python3 bench/report.py "$RESULTS" "$SIZES" > BENCHMARKS.md
echo "wrote BENCHMARKS.md and bench/latency.svg"
