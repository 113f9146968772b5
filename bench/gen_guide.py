#!/usr/bin/env python3
"""Writes a synthetic pyguide KB of N entries, deterministically (same N, same files).

Usage: gen_guide.py N OUT_DIR

Entries are valid (front matter with id, title, summary, category, aliases, tags, related)
with 300 to 800 words of Markdown: sections, prose drawn from the built-in guide's own words
(so word frequencies look like real Python writing), inline identifiers, and fenced code
blocks. Files go to OUT_DIR/<category>/<id>.md.
"""
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KB = os.path.join(HERE, "..", "kb")

CATEGORIES = ["syntax", "stdlib", "django", "fastapi", "packages", "testing", "async", "data"]
SECTION_TITLES = ["How it works", "Under the hood", "What the interpreter does", "Pitfalls",
                  "An example", "Where it is used", "Performance", "Edge cases"]


def corpus():
    """Words and identifiers from the built-in guide's bodies."""
    words, idents = [], []
    for root, _, files in sorted(os.walk(KB)):
        for name in sorted(files):
            if not name.endswith(".md"):
                continue
            text = open(os.path.join(root, name), encoding="utf-8").read()
            body = text.split("\n---\n", 1)[-1]
            for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_]", body):
                (idents if ("_" in tok or "." in tok or tok[1:] != tok[1:].lower()) else words).append(tok)
    return words, sorted(set(idents))


def entry(i, rng, words, idents, ids):
    category = CATEGORIES[i % len(CATEGORIES)]
    topic = "-".join(rng.choice(words).lower() for _ in range(2))
    entry_id = f"{topic}-{i}"
    ident = rng.choice(idents)
    title = f"{rng.choice(words).capitalize()} {rng.choice(words)} — How `{ident}` {rng.choice(words)} works"
    summary = " ".join(rng.choice(words) for _ in range(rng.randint(8, 14))).capitalize()
    aliases = [rng.choice(idents) for _ in range(rng.randint(2, 5))]
    tags = [rng.choice(words).lower() for _ in range(rng.randint(2, 5))]
    related = sorted({rng.choice(ids) for _ in range(rng.randint(0, 3))}) if ids else []
    target = rng.randint(300, 800)
    out, count = [], 0
    while count < target:
        out.append(f"## {rng.choice(SECTION_TITLES)}\n")
        for _ in range(rng.randint(1, 3)):
            sentence = []
            for _ in range(rng.randint(30, 70)):
                sentence.append(f"`{rng.choice(idents)}`" if rng.random() < 0.08 else rng.choice(words))
            out.append(" ".join(sentence).capitalize() + ".\n")
            count += len(sentence)
        if rng.random() < 0.6:
            lines = [f"{rng.choice(idents).split('.')[0].lower()}_{k} = {rng.choice(idents)}({rng.randint(0, 99)})"
                     for k in range(rng.randint(2, 6))]
            out.append("```python\n" + "\n".join(lines) + "\n```\n")
            count += 3 * len(lines)
    quote = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    fm = [
        "---",
        f"id: {entry_id}",
        f"title: {quote(title)}",
        f"summary: {quote(summary)}",
        f"category: {category}",
        "aliases: [" + ", ".join(quote(a) for a in aliases) + "]",
        "tags: [" + ", ".join(quote(t) for t in tags) + "]",
        "related: [" + ", ".join(related) + "]",
        "---",
    ]
    return category, entry_id, "\n".join(fm) + "\n" + "\n".join(out)


def main():
    n, out_dir = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261125)
    words, idents = corpus()
    ids = []
    for i in range(n):
        category, entry_id, text = entry(i, rng, words, idents, ids)
        ids.append(entry_id)
        folder = os.path.join(out_dir, category)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, entry_id + ".md"), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
