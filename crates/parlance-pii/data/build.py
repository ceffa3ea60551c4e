#!/usr/bin/env python3
"""Rebuilds the word data in this folder (see README.md for the sources and licences).

Inputs: the census files of the PyPI sdist `names==0.3.0` unpacked at /tmp/names-0.3.0, and
the Debian `wamerican` word list at /usr/share/dict/american-english.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = "/tmp/names-0.3.0/names"
DICT = "/usr/share/dict/american-english"


def census():
    first = {}
    for f in ["dist.male.first", "dist.female.first"]:
        for line in open(os.path.join(NAMES, f)):
            p = line.split()
            if p:
                first.setdefault(p[0], float(p[1]))
    ordered = sorted(first.items(), key=lambda kv: -kv[1])
    open(os.path.join(HERE, "first_names.txt"), "w").write("\n".join(k for k, _ in ordered) + "\n")
    sur = [line.split()[0] for line in open(os.path.join(NAMES, "dist.all.last")) if line.strip()]
    open(os.path.join(HERE, "surnames.txt"), "w").write("\n".join(sur[:30000]) + "\n")


def stems(w):
    out = []
    if w.endswith("S"):
        out.append(w[:-1])
    if w.endswith("ES"):
        out.append(w[:-2])
    if w.endswith("ED"):
        out += [w[:-2], w[:-1]]
    if w.endswith("ING"):
        out += [w[:-3], w[:-3] + "E"]
    if w.endswith("LY"):
        out.append(w[:-2])
    return out


def english():
    words = set()
    for w in open(DICT, encoding="utf-8", errors="ignore"):
        w = w.strip()
        if w.isalpha() and w.islower() and w.isascii() and 3 <= len(w) <= 14:
            words.add(w.upper())
    base = sorted(w for w in words if not any(s in words for s in stems(w)))
    open(os.path.join(HERE, "english_words.txt"), "w").write("\n".join(base) + "\n")


if __name__ == "__main__":
    census()
    english()
