#!/usr/bin/env bash
# Rebuilds data/person_model.bin from the pinned sources (see data/ner/README.md, DATA.md).
#   data/ner/train.sh SOURCES_DIR      # SOURCES_DIR holds the git checkouts prepare.py names
# Deterministic: the same sources and seed give the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
sources=${1:?usage: data/ner/train.sh SOURCES_DIR}
python3 data/ner/prepare.py --sources "$sources"
python3 data/ner/world_names.py --sources "$sources"
python3 data/ner/given_names.py --sources "$sources"
cargo run -p parlance-pii --release --features train --example train_person -- \
  --train corpus/real/btc_train.jsonl:1 \
  --train corpus/real/wnut_train.jsonl:1 \
  --train corpus/real/gum_train.jsonl:1 \
  --train corpus/real/crossner_train.jsonl:1 \
  --train corpus/real/wikigold.jsonl:1 \
  --train corpus/real/sec_train.jsonl:1 \
  --train corpus/real/ewt_train.jsonl:2 \
  --train corpus/intl_dev.jsonl:0.5 \
  --train corpus/dev.jsonl:0.3 \
  --epochs 8 --lr 0.1 --l2 1e-6 --seed 1 --bag 5 \
  --start -0.4 --cont -1.25 --veto -1.5 --single 1 \
  --dev corpus/real/ewt_dev_a.jsonl --dev corpus/real/ewt_dev_b.jsonl \
  --dev corpus/real/btc_dev.jsonl \
  --out data/person_model.bin
