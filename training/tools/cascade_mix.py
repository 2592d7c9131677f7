"""A second pass only where the input is noisy, after the fact: per face, the two-pass restoration (the first pass's
output restored again) where the degraded face's estimated noise is at least a threshold, the one-pass one
elsewhere, scored from the two `sade eval --json` files.

  /usr/bin/python3 -m training.tools.cascade_mix LQ_DIR ONE.json TWO.json THRESHOLD [THRESHOLD ...] [--json OUT.json]

Prints, per threshold, how many faces take the second pass and the means of every metric both files have;
--json writes the mixed rows of the first threshold as a `sade eval --json` file (for `paired_diff`).

The noise estimate is blind (it reads only the degraded face): the luma is area-downscaled by 1, 1.5, 2, 3, 4, 6
and 8, at each scale the noise sigma is the median absolute response of Immerkaer's 3 x 3 kernel over 0.6745 * 6
(the robust estimate of white noise), and the largest is kept. Eq. 9 adds its noise after the downscale by r, so
the noise is white at 1/r of the face and smooth at 512, where a one-scale estimate does not see it. On val-100 it
correlates 0.70 with eq. 9's delta.

Why: restoring v46's output a second time beat one pass on the noisiest faces on SSIM, LPIPS and NIQE, and lost
SSIM on the clean, blurred ones (models/restorer.md, "Restoring twice").
"""
import argparse
import json
import math
from pathlib import Path

import cv2
import numpy as np

from .by_degradation import cell, finite_mean
from .paired_diff import METRICS, rows

SCALES = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def noise_sigma(luma: np.ndarray) -> float:
    """Robust white-noise sigma of one grey image (0..255): the kernel's response to white noise has sigma 6x."""
    response = cv2.filter2D(luma, -1, IMMERKAER)[2:-2, 2:-2]
    return float(np.median(np.abs(response)) / 0.6745 / 6.0)


def estimate_noise(path: Path) -> float:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"{path}: not an image")
    luma = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    h, w = luma.shape
    sizes = [(max(8, round(w / s)), max(8, round(h / s))) for s in SCALES]
    return max(noise_sigma(cv2.resize(luma, size, interpolation=cv2.INTER_AREA)) for size in sizes)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lq", type=Path, help="the degraded faces (PNG, named as the rows)")
    ap.add_argument("one", type=Path, help="sade eval --json of one pass")
    ap.add_argument("two", type=Path, help="sade eval --json of two passes")
    ap.add_argument("thresholds", type=float, nargs="+", help="noise (grey levels) from which a face takes two passes")
    ap.add_argument("--json", type=Path, help="write the first threshold's mixed rows here")
    args = ap.parse_args(argv)
    one, two = rows(args.one), rows(args.two)
    missing = sorted(set(one) ^ set(two))
    if missing:
        raise SystemExit(f"{args.one} and {args.two} do not score the same faces (e.g. {missing[0]})")
    names = sorted(one)
    for name in names:
        if not (args.lq / f"{name}.png").is_file():
            raise SystemExit(f"{args.lq}: no degraded face {name}.png")
    noise = {n: estimate_noise(args.lq / f"{n}.png") for n in names}
    metrics = [m for m in METRICS if m in one[names[0]] and m in two[names[0]]]
    print("| noise ≥ | faces with two passes | " + " | ".join(metrics) + " |")
    print("|---|---|" + "---|" * len(metrics))

    def mixed(t: float) -> dict:
        return {n: (two if noise[n] >= t else one)[n] for n in names}

    for t in args.thresholds:
        pick = mixed(t)
        means = [finite_mean([pick[n][m] for n in names]) for m in metrics]
        print(f"| {t:g} | {sum(noise[n] >= t for n in names)} of {len(names)} | " + " | ".join(map(cell, means)) + " |")
    if args.json:
        t = args.thresholds[0]
        pick = mixed(t)
        out = [{"name": n, "noise": noise[n], **{m: pick[n][m] if math.isfinite(pick[n][m]) else None for m in metrics}}
               for n in names]
        args.json.write_text(json.dumps({"about": f"cascade_mix: two passes where noise >= {t:g}", "rows": out}))


if __name__ == "__main__":
    main()
