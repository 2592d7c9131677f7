"""How far can any per-face choice among a restorer's operating points go? Given several `sade eval --json` files of
the same faces (e.g. w 0, w 1 and two-band fusions), pick for each face the file that minimises NIQE - lambda * SSIM,
for a range of lambda, and print the mean SSIM and NIQE of each pick: the best mean NIQE at each mean SSIM that any
rule choosing among these outputs could reach. The ground truth decides the pick, so it is an upper bound.

  /usr/bin/python3 -m training.tools.best_choice A.json B.json [C.json ...]"""
import argparse

import numpy as np

from .paired_diff import rows

LAMBDAS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500)


def frontier(files: list[dict], lambdas=LAMBDAS) -> list[tuple[float, float, float]]:
    names = sorted(set.intersection(*(set(f) for f in files)))
    if not names:
        raise SystemExit("the files share no face names")
    s = np.array([[f[n]["ssim"] for f in files] for n in names])
    q = np.array([[f[n]["niqe"] for f in files] for n in names])
    out = []
    for lam in lambdas:
        pick = (q - lam * s).argmin(1)
        i = np.arange(len(names))
        out.append((lam, float(s[i, pick].mean()), float(q[i, pick].mean())))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    for lam, ssim, niqe in frontier([rows(p) for p in args.files]):
        print(f"lambda {lam:4g}: mean SSIM {ssim:.4f}, mean NIQE {niqe:.3f}")


if __name__ == "__main__":
    main()
