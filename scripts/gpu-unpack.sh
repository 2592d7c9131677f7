#!/usr/bin/env bash
# What scripts/gpu-train.sh sent back from a lent GPU machine, made into checkpoints here:
#   bash scripts/gpu-unpack.sh FILES_AT
# Each NAME.pt becomes training/runs/NAME/final.pt in float32 (weights, state, config; restorer-v29-gpu's critics
# joined back in), which scripts/eval-checkpoint.sh, training.restorer.export and a later run's init_checkpoint
# (with init_discs) take. The runs' logs go back to training/runs/ as well.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: gpu-unpack.sh FILES_AT (the folder the device tool put the files in)}
[ -d "$src" ] || { echo "gpu-unpack: $src is not a folder" >&2; exit 1; }
[ -f "$src/logs.tar.gz" ] && tar xzf "$src/logs.tar.gz"
/usr/bin/python3 - "$src" <<'EOF'
import sys, torch
from pathlib import Path
src = Path(sys.argv[1])
for f in sorted(src.glob("*.pt")):
    if f.stem.endswith("-discs"):
        continue
    ck = torch.load(f, map_location="cpu")
    ck["model"] = {k: (v.float() if v.is_floating_point() else v) for k, v in ck["model"].items()}
    discs = src / f"{f.stem}-discs.pt"
    if discs.exists():
        ck["discs"] = torch.load(discs, map_location="cpu")["discs"]
    out = Path("training/runs") / f.stem / "final.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ck, out)
    print(f"{out}: iteration {ck['state'].get('iter')}, {ck['state'].get('elapsed', 0) / 60:.1f} minutes"
          + (", with critics" if "discs" in ck else ""))
EOF
