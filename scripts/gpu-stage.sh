#!/usr/bin/env bash
# Stage what scripts/gpu-train.sh needs on a lent GPU machine into .gpu-carry/ (git-ignored), here, before the call:
#   bash scripts/gpu-stage.sh
# then call the device tool with carry [".gpu-carry", "node_modules/faceplugin-face-recognition-js/model/fr_feature.onnx"].
# Why a folder of its own: ../shared does not travel, and the tree plus what is carried must stay under 64 MiB.
# The 900 CelebA-HQ training faces, 12 validation faces (the runs' in-run check), LPIPS SqueezeNet, and the parser
# and restorer rebuilt from models/ (training.tools.recover_checkpoint), stored in float16 to fit: the device's
# PyTorch may export ONNX differently, so the rebuild is done here. FFHQ 256 does not fit; the GPU configs use
# CelebA-HQ alone (small_p 0), as restorer-vq2 always did.
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
data=${SADE_DATA:-../shared/data}
weights=$(dirname "$data")/weights
carry=${GPU_CARRY:-.gpu-carry}  # another folder only for a rehearsal (test/training/gpu-session.test.ts)
limit=$((64 * 1024 * 1024))

rm -rf "$carry"
mkdir -p "$carry/data/celebahq-512/train" "$carry/data/celebahq-512/val/images" "$carry/weights" "$carry/runs"
cp -r "$data/celebahq-512/train/images" "$carry/data/celebahq-512/train/"
ls "$data/celebahq-512/val/images" | sort | head -n 12 | while read -r f; do cp "$data/celebahq-512/val/images/$f" "$carry/data/celebahq-512/val/images/"; done
cp -r "$weights/lpips-squeeze" "$carry/weights/"

mkdir -p training/runs/recovered
[ -f training/runs/recovered/parser-v4.pt ] || $py -m training.tools.recover_checkpoint --model parser \
  --config training/configs/parser-v4.json --out training/runs/recovered/parser-v4.pt >/dev/null
# The shipped restorer's own recipe (models/restorer.md names it): its model section is what the rebuild needs.
shipped=${SHIPPED_CONFIG:-training/configs/restorer-v46.json}
$py -m training.tools.recover_checkpoint --model restorer --config "$shipped" \
  --out training/runs/recovered/restorer-shipped.pt >/dev/null
$py -m training.tools.gpu_carry stage "$carry/runs" parser-v4 restorer-shipped

tree=$(git ls-files -z | xargs -0 du -cb | tail -n 1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb | tail -n 1 | cut -f1)
extra=$(du -sb "$carry" node_modules/faceplugin-face-recognition-js/model/fr_feature.onnx | awk '{s += $1} END {print s}')
total=$((tree + ${untracked:-0} + extra))
echo "tree $tree + untracked ${untracked:-0} + carry $extra = $total bytes (limit $limit)"
if [ "$total" -ge "$limit" ]; then
  echo "gpu-stage: $total bytes would travel, over the device tool's 64 MiB" >&2
  exit 1
fi
