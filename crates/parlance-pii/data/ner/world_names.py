#!/usr/bin/env python3
"""Writes data/world_first_names.txt and data/world_surnames.txt: the given names and surnames
of sigpwned/popular-names-by-country-dataset (CC0; the most common names of 106 countries, taken
from Wikipedia's lists, with romanised forms), pinned below. Kept: the romanised form, one word
of Latin letters, not already in the census or international lists, not an English word and not
a place (those need context, and the tables already say what they are).

    python3 data/ner/world_names.py --sources /work/.mirror
"""
import argparse
import csv
import io
import os
import subprocess

REPO, COMMIT = "sigpwned+popular-names-by-country-dataset", "eb62e13d4d62dd96cdfae79d293a02066352205f"
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")


def show(root, path):
    d = os.path.join(root, REPO, "repo")
    out = subprocess.run(["git", "-C", d, "show", f"{COMMIT}:{path}"], check=True,
                         capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))


def latin_word(w):
    return w and " " not in w and all(c.isalpha() and (ord(c) < 0x250) or c in "'-" for c in w) \
        and w[0].isupper() and len(w) >= 2


def known(*files):
    out = set()
    for f in files:
        out |= {l.strip().upper() for l in open(os.path.join(HERE, "data", f)) if l.strip()}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True)
    a = ap.parse_args()
    skip = known("english_words.txt", "places.txt")
    for rows, own, out in [
        (show(a.sources, "common-forenames-by-country.csv"),
         known("first_names.txt", "intl_first_names.txt"), "world_first_names.txt"),
        (show(a.sources, "common-surnames-by-country.csv"),
         known("surnames.txt", "intl_surnames.txt"), "world_surnames.txt"),
    ]:
        names = []
        for r in rows:
            w = (r.get("Romanized Name") or "").strip()
            if latin_word(w) and w.upper() not in skip | own and w not in names:
                names.append(w)
        with open(os.path.join(HERE, "data", out), "w") as f:
            f.write("\n".join(sorted(names)) + "\n")
        print(out, len(names))


if __name__ == "__main__":
    main()
