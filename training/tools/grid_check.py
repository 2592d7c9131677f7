"""How much of a restorer's change is a 4x4 grid (the pixel-shuffle head's artifact), and how much of its LPIPS
gain that grid accounts for.

  /usr/bin/python3 -m training.tools.grid_check RESTORED_DIR LQ_DIR GT_DIR [--limit N]

The correction c = restored - input is split into its 4x4-periodic part (per output phase, the local mean of that
phase minus the local mean of all phases) and the rest. Prints, as means over the faces: LPIPS (SqueezeNet) of
the input, of the restored face, and of input + the correction without its periodic part; and the RMS of the
periodic part and of the whole correction (0..255). A restorer whose LPIPS gain disappears without the periodic
part is winning the metric with a texture, not with detail."""
import argparse
import os

import cv2
import numpy as np
import torch

from ..common.lpips import LPIPSSqueeze


def periodic_part(c: np.ndarray) -> np.ndarray:
    per = np.zeros_like(c)
    for dy in range(4):
        for dx in range(4):
            per[dy::4, dx::4] = cv2.GaussianBlur(np.ascontiguousarray(c[dy::4, dx::4]), (0, 0), 4)
    return per - cv2.GaussianBlur(c, (0, 0), 16)


def to_tensor(bgr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(bgr[:, :, ::-1].copy()).permute(2, 0, 1)[None].float() / 127.5 - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("restored")
    ap.add_argument("lq")
    ap.add_argument("gt")
    ap.add_argument("--limit", type=int, default=100)
    args = ap.parse_args()
    torch.set_num_threads(1)
    lpips = LPIPSSqueeze().eval()
    rows = {"lpips_input": [], "lpips_restored": [], "lpips_without_grid": [], "grid_rms": [], "correction_rms": []}
    names = sorted(n for n in os.listdir(args.restored) if n.endswith(".png"))[: args.limit]
    for name in names:
        stem = os.path.splitext(name)[0]
        gt_name = next(f for f in os.listdir(args.gt) if os.path.splitext(f)[0] == stem)
        x = cv2.imread(os.path.join(args.lq, name)).astype(np.float32)
        o = cv2.imread(os.path.join(args.restored, name)).astype(np.float32)
        g = to_tensor(cv2.imread(os.path.join(args.gt, gt_name)).astype(np.float32))
        c = o - x
        per = periodic_part(c)
        with torch.no_grad():
            rows["lpips_input"].append(float(lpips(to_tensor(x), g)))
            rows["lpips_restored"].append(float(lpips(to_tensor(o), g)))
            rows["lpips_without_grid"].append(float(lpips(to_tensor(np.clip(o - per, 0, 255)), g)))
        rows["grid_rms"].append(float(np.sqrt((per ** 2).mean())))
        rows["correction_rms"].append(float(np.sqrt((c ** 2).mean())))
    print({"faces": len(names), **{k: round(float(np.mean(v)), 4) for k, v in rows.items()}})


if __name__ == "__main__":
    main()
