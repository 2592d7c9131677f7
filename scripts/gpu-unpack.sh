#!/usr/bin/env bash
# What scripts/gpu-train.sh sent back from a lent GPU machine, made into checkpoints here:
#   bash scripts/gpu-unpack.sh FILES_AT
# Each NAME.pt becomes training/runs/NAME/final.pt in float32 (weights, state, config; restorer-v46-gpu's critics
# joined back in), which scripts/eval-checkpoint.sh, training.restorer.export and a later run's init_checkpoint
# (with init_discs) take. The runs' logs go back to training/runs/ as well.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: gpu-unpack.sh FILES_AT (the folder the device tool put the files in)}
[ -d "$src" ] || { echo "gpu-unpack: $src is not a folder" >&2; exit 1; }
[ -f "$src/logs.tar.gz" ] && tar xzf "$src/logs.tar.gz"
/usr/bin/python3 -m training.tools.gpu_carry unpack "$src"
