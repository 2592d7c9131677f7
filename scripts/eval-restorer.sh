#!/usr/bin/env bash
# The restorer's numbers in models/restorer.md and docs/BENCHMARKS.md, through the product's own commands:
# a CelebA-Test-like set (the 100 faces of celebahq-512/val, eq. 9, seed 0), restored with the aligned path,
# evaluated with sade eval (PSNR, SSIM, LPIPS SqueezeNet, NIQE, IDD), plus a picture grid.
#   bash scripts/eval-restorer.sh [OUT_DIR] [MODELS_DIR] [FIDELITY]
# Without FIDELITY the product's default is used (DEFAULT_FIDELITY in core/restore/restore.ts; 0.5 before session 37).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/sade-eval}
models=${2:-models}
fidelity=${3:-}
val=${SADE_DATA:-../shared/data}/celebahq-512/val/images
mkdir -p "$out"
[ -f "$out/lq/degradations.json" ] || npx sade degrade "$val" "$out/lq" --seed 0
npx sade restore "$out/lq" -o "$out/restored" --aligned --models "$models" ${fidelity:+--fidelity "$fidelity"} --no-progress
npx sade eval "$out/restored" --gt "$val" --input "$out/lq" --json "$out/restored.json" --grid "$out/grid.png"
