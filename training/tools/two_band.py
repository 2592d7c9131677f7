"""Fidelity as two bands, after the fact: the low band of one folder of restored faces under the high band of
another (a Gaussian of `sigma` on 0..255 RGB), e.g. w = 1's structure with w = 0's texture.

  /usr/bin/python3 -m training.tools.two_band LOW_DIR HIGH_DIR SIGMA OUT_DIR

The faces are paired by file name; score OUT_DIR with `npx sade eval` (models/restorer.md, "Fidelity as two bands")."""
import argparse
from pathlib import Path

import cv2
import numpy as np


def fuse(low: np.ndarray, high: np.ndarray, sigma: float) -> np.ndarray:
    a, b = low.astype(np.float32), high.astype(np.float32)
    out = cv2.GaussianBlur(a, (0, 0), sigma) + b - cv2.GaussianBlur(b, (0, 0), sigma)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("low")
    ap.add_argument("high")
    ap.add_argument("sigma", type=float)
    ap.add_argument("out")
    args = ap.parse_args()
    low, high, out = Path(args.low), Path(args.high), Path(args.out)
    names = sorted(p.name for p in low.glob("*.png"))
    missing = [n for n in names if not (high / n).exists()]
    if not names or missing:
        raise SystemExit(f"{low} and {high} must hold the same faces (.png); {len(names)} in the first, missing from the second: {missing[:3]}")
    out.mkdir(parents=True, exist_ok=True)
    for n in names:
        a, b = cv2.imread(str(low / n)), cv2.imread(str(high / n))
        if a is None or b is None or a.shape != b.shape:
            raise SystemExit(f"{n}: unreadable, or not the same size in {low} and {high}")
        cv2.imwrite(str(out / n), fuse(a, b, args.sigma))
    print(f"{len(names)} faces -> {out}")


if __name__ == "__main__":
    main()
