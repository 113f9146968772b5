#!/usr/bin/env python3
"""Writes data/packages.txt: one-word names of Python packages and modules, for search.

A query that names one of these, when no entry has it in its id, title or aliases and at
most two entries mention it at all, asks about a topic the guide does not cover: a hit is
offered as the answer only if one of its questions names it and matches the query closely
(`uncovered_package` in src/search.rs; the list is read by src/packages.rs).

Sources, both lists of names (facts, not prose):
- the 15,000 most downloaded projects on PyPI, as counted by
  https://github.com/hugovk/top-pypi-packages (top-pypi-packages.csv; the copy used was
  updated 2026-04-01), passed as the first argument;
- the standard library's modules (`sys.stdlib_module_names`) of the Python running this
  script (3.11 keeps modules that 3.12 and 3.13 removed: asyncore, distutils, imp, ...).

A name is kept when, lowercased, it is one word of letters and digits of three characters or
more, once `python-`/`py-` and `-python`/`-py` are taken off (`python-docx` -> `docx`,
`discord-py` -> `discord`), and it is not a common word. The rarer a name is in English
(its Zipf frequency, from the `wordfreq` package), the lower it may rank: below 2.0, any
project (`kivy` 1.2, rank 7,395); below 3.0, a standard module or one of the 5,000 most
downloaded projects (`selenium` 2.9, rank 443); below 3.5, one of the first 2,000
(`sphinx` 3.0, rank 348; `discord` 3.45, rank 1,975). Left out, for example: `frontend`
(2.5, rank 10,271) and `llm` (2.3, rank 9,241), words of a question more often than
projects; `dataset` (3.0, rank 3,734); `requests` (4.3), `google` (4.9), `dash` (4.0).

Usage: pip install wordfreq && python3.11 data/packages.py top-pypi-packages.csv
"""
import csv
import re
import sys
from pathlib import Path

from wordfreq import zipf_frequency

# (Zipf frequency below, rank below): a name passes if it is within one of these.
LIMITS = [(2.0, float("inf")), (3.0, 5000), (3.5, 2000)]


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
        at = rank[name]
        return re.fullmatch(r"[a-z][a-z0-9]{2,}", name) and any(
            english < most and at < top for most, top in LIMITS
        )

    kept = sorted(n for n in rank if kept(n))
    out = Path(__file__).with_name("packages.txt")
    out.write_text("".join(n + "\n" for n in kept), encoding="utf-8")
    print(f"{len(kept)} names from {len(rows)} projects -> {out}")


main()
