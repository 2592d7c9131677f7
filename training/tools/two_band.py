"""Fidelity as two bands, after the fact: the low band of one folder of restored faces under the high band of
another (a Gaussian of `sigma` on 0..255 RGB), e.g. w = 1's structure with w = 0's texture. With --labels and
--region, only the named parsing classes get the second folder's band, each region with its own sigma (0: the
second folder's pixels outright), so one can ask where on a face the texture that NIQE counts lives.

  /usr/bin/python3 -m training.tools.two_band LOW_DIR HIGH_DIR SIGMA OUT_DIR
  /usr/bin/python3 -m training.tools.two_band LOW_DIR HIGH_DIR 0 OUT_DIR --labels LABEL_DIR --region 0:0 --region 13:1

LABEL_DIR holds `npx sade parse --aligned` label maps of the degraded faces, by the same file names. The faces are
paired by file name; score OUT_DIR with `npx sade eval` (models/restorer.md, "Fidelity as two bands")."""
import argparse
from pathlib import Path

import cv2
import numpy as np

from .regions import region_arg

# Region masks are feathered so that no seam is left for NIQE (or the eye) to find.
FEATHER_SIGMA = 3.0


def high_band(img: np.ndarray, sigma: float) -> np.ndarray:
    return img if sigma == 0 else img - cv2.GaussianBlur(img, (0, 0), sigma)


def fuse(low: np.ndarray, high: np.ndarray, sigma: float) -> np.ndarray:
    a, b = low.astype(np.float32), high.astype(np.float32)
    out = a - high_band(a, sigma) + high_band(b, sigma)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def fuse_regions(low: np.ndarray, high: np.ndarray, labels: np.ndarray, regions: list[tuple[list[int], float]]) -> np.ndarray:
    a, b = low.astype(np.float32), high.astype(np.float32)
    out = a.copy()
    for classes, sigma in regions:
        mask = cv2.GaussianBlur(np.isin(labels, classes).astype(np.float32), (0, 0), FEATHER_SIGMA)[..., None]
        out += mask * (high_band(b, sigma) - high_band(a, sigma))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


parse_region = region_arg("SIGMA", "0,13:1", lambda s: s >= 0, "0 or more")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("low")
    ap.add_argument("high")
    ap.add_argument("sigma", type=float, help="the band split over the whole face (ignored with --region)")
    ap.add_argument("out")
    ap.add_argument("--labels", help="folder of 19-class label maps (sade parse --aligned), needed by --region")
    ap.add_argument("--region", type=parse_region, action="append", default=[], metavar="CLASSES:SIGMA")
    args = ap.parse_args()
    if bool(args.labels) != bool(args.region):
        ap.error("--labels and --region go together")
    low, high, out = Path(args.low), Path(args.high), Path(args.out)
    names = sorted(p.name for p in low.glob("*.png"))
    folders = [high] + ([Path(args.labels)] if args.labels else [])
    missing = [str(f / n) for f in folders for n in names if not (f / n).exists()]
    if not names or missing:
        raise SystemExit(f"{low} and {', '.join(map(str, folders))} must hold the same faces (.png); {len(names)} in the first, missing from the others: {missing[:3]}")
    out.mkdir(parents=True, exist_ok=True)
    for n in names:
        a, b = cv2.imread(str(low / n)), cv2.imread(str(high / n))
        if a is None or b is None or a.shape != b.shape:
            raise SystemExit(f"{n}: unreadable, or not the same size in {low} and {high}")
        if args.region:
            labels = cv2.imread(str(Path(args.labels) / n), cv2.IMREAD_GRAYSCALE)
            if labels is None or labels.shape != a.shape[:2]:
                raise SystemExit(f"{Path(args.labels) / n}: unreadable, or not a {a.shape[1]}x{a.shape[0]} label map")
            fused = fuse_regions(a, b, labels, args.region)
        else:
            fused = fuse(a, b, args.sigma)
        cv2.imwrite(str(out / n), fused)
    print(f"{len(names)} faces -> {out}")


if __name__ == "__main__":
    main()
