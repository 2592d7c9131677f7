#!/usr/bin/env bash
# Validation numbers of a restorer training checkpoint (an ablation, the control, a snapshot) without touching the
# shipped models: export it into a copy of models/, refresh that copy's hashes, and run scripts/eval-restorer.sh.
#   bash scripts/eval-checkpoint.sh CHECKPOINT OUT_DIR [FIDELITY]   (without FIDELITY: the product's default)
# The degraded set is shared between runs through /tmp/sade-eval-lq (eq. 9, seed 0) so every row sees the same input.
set -euo pipefail
cd "$(dirname "$0")/.."
ckpt=$1
out=$2
fidelity=${3:-}
models="$out/models"
mkdir -p "$models"
cp models/*.json models/*.onnx "$models/"
/usr/bin/python3 -m training.restorer.export --checkpoint "$ckpt" --out "$models/restorer.onnx"
node scripts/update-model-hashes.mjs "$models" >/dev/null
lq=${SADE_EVAL_LQ:-/tmp/sade-eval-lq}
if [ ! -f "$lq/degradations.json" ]; then
  npx sade degrade "${SADE_DATA:-../shared/data}/celebahq-512/val/images" "$lq" --seed 0
fi
mkdir -p "$out/lq" && cp -n "$lq"/* "$out/lq/"
bash scripts/eval-restorer.sh "$out" "$models" "$fidelity"
