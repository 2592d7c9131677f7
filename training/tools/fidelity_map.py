"""Fidelity per region, in one restorer call: the fidelity input as a map over the face, built from the parser's
own probabilities, e.g. the face at w 1 and the hair at w 0 (models/restorer.md, "Fidelity per region").

  /usr/bin/python3 -m training.tools.fidelity_map --checkpoint CKPT --input LQ_DIR --out OUT_DIR --w 1 --region 13:0

Each --region CLASSES:W sets w for those parsing classes (`sade parse`'s indices); the rest of the face gets --w.
At every pixel of the 128 x 128 map, w = --w + sum over regions of (W - --w) x the probability of its classes, so
the map is as soft as the parser is. LQ_DIR holds aligned 512 faces (`npx sade degrade`); score OUT_DIR with
`npx sade eval`."""
import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from ..common.paths import REPO
from ..restorer.data import to_tensor
from ..restorer.export import from_checkpoint
from ..restorer.train import load_parser, parse_probs
from .regions import region_arg


parse_region = region_arg("W", "0,13:0", lambda w: 0 <= w <= 1, "in [0, 1]")


def fidelity_map(probs: torch.Tensor, w: float, regions: list[tuple[list[int], float]]) -> torch.Tensor:
    """probs [N,19,H,W] -> the fidelity map [N,1,H,W]."""
    out = torch.full_like(probs[:, :1], w)
    for classes, wr in regions:
        out = out + (wr - w) * probs[:, classes].sum(1, keepdim=True)
    return out.clamp(0, 1)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--input", required=True, help="folder of aligned 512 faces (.png)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--w", type=float, default=0.5, help="w outside the regions")
    ap.add_argument("--region", type=parse_region, action="append", default=[], metavar="CLASSES:W")
    args = ap.parse_args()
    if not 0 <= args.w <= 1:
        ap.error(f"--w must be in [0, 1], got {args.w}")
    torch.set_num_threads(2)
    ck = torch.load(REPO / args.checkpoint, map_location="cpu")
    net = from_checkpoint(ck)
    parser = load_parser(ck["config"], "cpu")
    names = sorted(Path(args.input).glob("*.png"))
    if not names:
        raise SystemExit(f"{args.input}: no .png faces")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for p in names:
        img = cv2.imread(str(p))
        if img is None or img.shape[:2] != (512, 512):
            raise SystemExit(f"{p}: unreadable, or not an aligned 512 x 512 face")
        x = to_tensor(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))[None]
        seg = parse_probs(parser, x)
        y = torch.clamp(net(x, seg, fidelity_map(seg, args.w, args.region)), -1, 1)
        rgb = ((y[0].permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
        cv2.imwrite(str(out / p.name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    print(f"{len(names)} faces -> {out}")


if __name__ == "__main__":
    main()
