#!/usr/bin/env python3
"""Renders a screenshot of `pyguide browse` for the README, from a real terminal.

Usage: docs/screenshot.py PYGUIDE_BINARY OUT.svg [QUERY]

Starts the picker in a tmux window of 80x24 (in a temporary HOME), types QUERY one key at a
time, captures the screen with its colours (capture-pane -e) and draws the cells as SVG
text. Needs tmux.
"""
import html
import os
import re
import subprocess
import sys
import tempfile
import time

COLS, ROWS = 80, 24
CELL_W, CELL_H = 8.4, 17
BG, FG = "#1e1e1e", "#d4d4d4"
BASIC = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
         "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]


def xterm256(n):
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[n // 6 % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


def capture(binary, query):
    home = tempfile.mkdtemp()
    sock = f"pyguide-shot-{os.getpid()}"
    env = (f"env -i PATH={os.environ['PATH']} HOME={home} XDG_CACHE_HOME={home}/cache "
           f"TERM=xterm-256color LANG=C.UTF-8")
    tmux = ["tmux", "-L", sock, "-f", "/dev/null"]
    subprocess.run(tmux + ["new-session", "-d", "-x", str(COLS), "-y", str(ROWS),
                           f"cd {home} && {env} {binary} browse; sleep 30"], check=True)
    try:
        time.sleep(1.5)
        for ch in query:
            subprocess.run(tmux + ["send-keys", "-l", ch], check=True)
            time.sleep(0.05)
        # Until the whole query is on screen, then a moment for the last redraw.
        for _ in range(200):
            plain = subprocess.run(tmux + ["capture-pane", "-p"], check=True,
                                   capture_output=True, text=True).stdout
            if plain.startswith("> " + query):
                break
            time.sleep(0.05)
        time.sleep(0.5)
        out = subprocess.run(tmux + ["capture-pane", "-p", "-e"], check=True,
                             capture_output=True, text=True).stdout
    finally:
        subprocess.run(tmux + ["kill-server"])
    return out


def cells(screen):
    """Yields (row, col, char, fg, bg, bold, dim) for each visible character."""
    for row, line in enumerate(screen.split("\n")[:ROWS]):
        fg, bg, bold, dim, reverse = FG, None, False, False, False
        col = 0
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
                k = 0
                while k < len(codes):
                    c = codes[k]
                    if c == 0:
                        fg, bg, bold, dim, reverse = FG, None, False, False, False
                    elif c == 1:
                        bold = True
                    elif c == 2:
                        dim = True
                    elif c == 7:
                        reverse = True
                    elif c == 22:
                        bold = dim = False
                    elif c == 27:
                        reverse = False
                    elif 30 <= c <= 37:
                        fg = BASIC[c - 30]
                    elif 90 <= c <= 97:
                        fg = BASIC[c - 90 + 8]
                    elif c == 39:
                        fg = FG
                    elif 40 <= c <= 47:
                        bg = BASIC[c - 40]
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and k + 1 < len(codes):
                        if codes[k + 1] == 5 and k + 2 < len(codes):
                            colour = xterm256(codes[k + 2])
                            k += 2
                        elif codes[k + 1] == 2 and k + 4 < len(codes):
                            colour = "#%02x%02x%02x" % tuple(codes[k + 2:k + 5])
                            k += 4
                        else:
                            colour = FG
                        if c == 38:
                            fg = colour
                        else:
                            bg = colour
                    k += 1
                continue
            for ch in part:
                f, b = (bg or BG, fg) if reverse else (fg, bg)
                yield row, col, ch, f, b, bold, dim
                col += 1


def svg(screen):
    width, height = COLS * CELL_W + 20, ROWS * CELL_H + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">',
           f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>']
    for row, col, ch, fg, bg, bold, dim in cells(screen):
        x, y = 10 + col * CELL_W, 10 + row * CELL_H
        if bg:
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{CELL_W + 0.2:.1f}" height="{CELL_H}" '
                       f'fill="{bg}"/>')
        if ch != " ":
            attrs = f'fill="{fg}"' + (' font-weight="bold"' if bold else "") + \
                (' opacity="0.6"' if dim else "")
            out.append(f'<text x="{x:.1f}" y="{y + 13}" {attrs}>{html.escape(ch)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, target = os.path.abspath(sys.argv[1]), sys.argv[2]
    query = sys.argv[3] if len(sys.argv) > 3 else "how does a generator keep its state"
    screen = capture(binary, query)
    with open(target, "w", encoding="utf-8") as f:
        f.write(svg(screen))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
