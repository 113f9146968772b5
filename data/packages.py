#!/usr/bin/env python3
"""Writes data/packages.txt: one-word names of Python packages and modules, for search.

A query that names one of these, when the guide has it in no entry's id, title, aliases or
questions (and in at most two entries at all), asks about a topic the guide does not cover:
its best hit is not offered as the answer (src/packages.rs).

Sources, both lists of names (facts, not prose):
- the 15,000 most downloaded projects on PyPI, as counted by
  https://github.com/hugovk/top-pypi-packages (top-pypi-packages.csv; the copy used was
  updated 2026-04-01), passed as the first argument;
- the standard library's modules (`sys.stdlib_module_names`) of the Python running this
  script (3.11 keeps modules that 3.12 and 3.13 removed: asyncore, distutils, imp, ...).

A name is kept when, lowercased, it is one word of letters and digits of three characters or
more, once `python-`/`py-` and `-python`/`-py` are taken off (`python-docx` -> `docx`,
`discord-py` -> `discord`), and it is not a common English word: its Zipf frequency in
English (the `wordfreq` package) is below 3.0 (`selenium` 2.9, `polars` 1.4), or below 3.5
for a standard module or one of the 2,000 most downloaded projects (`sphinx` 3.0, rank
348; `discord` 3.45, rank 1,975). `dataset` (3.0, rank 3,734), `requests` (4.3), `google`
(4.9) and `dash` (4.0) are left out.

Usage: pip install wordfreq && python3.11 data/packages.py top-pypi-packages.csv
"""
import csv
import re
import sys
from pathlib import Path

from wordfreq import zipf_frequency

RARE = 3.0
ENGLISH = 3.5
TOP = 2000


def names_of(project):
    name = project.lower().replace("_", "-")
    out = {name}
    for prefix in ("python-", "py-"):
        if name.startswith(prefix):
            out.add(name[len(prefix):])
    for suffix in ("-python", "-py"):
        if name.endswith(suffix):
            out.add(name[: -len(suffix)])
    return out


def main():
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # Each name's best rank (0 first); the standard library's modules rank first.
    rank = {}
    for at, row in enumerate(rows):
        for name in names_of(row["project"]):
            rank.setdefault(name, at)
    for module in sys.stdlib_module_names:
        if not module.startswith("_"):
            rank[module.lower()] = -1

    def kept(name):
        english = zipf_frequency(name, "en")
        return re.fullmatch(r"[a-z][a-z0-9]{2,}", name) and (
            english < RARE or (english < ENGLISH and rank[name] < TOP)
        )

    kept = sorted(n for n in rank if kept(n))
    out = Path(__file__).with_name("packages.txt")
    out.write_text("".join(n + "\n" for n in kept), encoding="utf-8")
    print(f"{len(kept)} names from {len(rows)} projects -> {out}")


main()
