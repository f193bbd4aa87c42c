#!/bin/sh
# Exports a train.py run as a Cloze model folder: weights -> int8 ONNX, config,
# tokenizer files, model card and NOTICE; then checks the ONNX model against
# the checkpoint on a few probes.
#   scripts/train-model/export.sh <run-dir> <corpus-dir> <model-dir>
# Uses <run-dir>/final.pt, or latest.pt while the run is still going.
set -eu
run=$1 corpus=$2 model=$3
here=$(cd "$(dirname "$0")" && pwd)
ckpt=$run/final.pt
[ -f "$ckpt" ] || ckpt=$run/latest.pt
echo "export: $ckpt -> $model"
/usr/bin/python3 "$here/dump_weights.py" "$ckpt" "$run/export"
(cd "$here/../.." && npx tsx scripts/train-model/export_onnx.ts "$run/export" "$model")
/usr/bin/python3 "$here/make_model_card.py" "$model" "$run" "$corpus" --name "$(basename "$model")"
/usr/bin/python3 "$here/probe.py" "$ckpt"
du -b "$model"/*
