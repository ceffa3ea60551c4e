#!/usr/bin/env python3
"""Writes data/given_names.txt: the 46,000 given names of Jörg Michael's first-name dictionary
(the `gender.c` data of c't 17/2007, as kept in MatthiasWinkelmann/firstname-database; GNU Free
Documentation License 1.2 or later, see DATA.md), each with how frequent it is in the most
name-giving of its 54 countries, in three classes:

    3  at least 2^-3 % of some country's people  (about 5,400 names)
    2  at least 2^-6 %                           (about 11,900)
    1  rarer                                      (about 29,000)

One line per name: `NAME CLASS`, the name upper-cased as listed. Chinese and Korean names
written with `+` ("Jun+Wei": "Jun-Wei", "Jun Wei" or "Junwei") give the joined and hyphenated
forms. The person model reads the class as a feature of a word (`src/model/features.rs`); no
rule reads it, so a name here is a prior the model weighs against context, not a verdict.

    python3 data/ner/given_names.py --sources /work/.mirror
"""
import argparse
import csv
import io
import os
import subprocess

REPO, COMMIT = "MatthiasWinkelmann+firstname-database", "bb040db50fec19558e853062c49e0029e1805a90"
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")


def rows(root):
    d = os.path.join(root, REPO, "repo")
    out = subprocess.run(["git", "-C", d, "show", f"{COMMIT}:firstnames.csv"], check=True,
                         capture_output=True, text=True).stdout
    r = csv.reader(io.StringIO(out), delimiter=";")
    next(r)
    return list(r)


def klass(freqs):
    v = [int(x) for x in freqs if x.strip().lstrip("-").isdigit()]
    top = max(v) if v else -99
    return 3 if top >= -3 else 2 if top >= -6 else 1


def forms(name):
    if "+" in name:
        parts = name.split("+")
        return ["".join(parts[:1] + [p.lower() for p in parts[1:]]), "-".join(parts)]
    return [name]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True)
    a = ap.parse_args()
    best = {}
    for row in rows(a.sources):
        c = klass(row[2:])
        for f in forms(row[0].strip()):
            if len(f) >= 2 and " " not in f and all(ch.isalpha() or ch in "'-" for ch in f):
                k = f.upper()
                best[k] = max(best.get(k, 0), c)
    with open(os.path.join(HERE, "data", "given_names.txt"), "w") as out:
        for k in sorted(best):
            out.write(f"{k} {best[k]}\n")
    print("given_names.txt", len(best))


if __name__ == "__main__":
    main()
