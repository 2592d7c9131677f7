"""Is one restorer better than another on the same faces, or within noise? Compares two `sade eval --json` files
face by face (rows paired by name).

  /usr/bin/python3 -m training.tools.paired_diff BASELINE.json CANDIDATE.json

Prints, per metric that both files have, the mean of (candidate - baseline) over the faces both score finitely,
its standard error, and how many faces the candidate improves (higher PSNR/SSIM, lower LPIPS/NIQE/IDD). A mean
within about two standard errors of zero is noise at this set's size."""
import argparse
import json
import math
import os

METRICS = {"psnr": 1, "ssim": 1, "lpips": -1, "niqe": -1, "idd": -1}  # +1: higher is better


def rows(path) -> dict:
    """The per-face rows of a `sade eval --json` file by face name; a missing or foreign file is refused, named.
    JSON has no infinity: `sade eval` writes a value that is not finite (the PSNR of a face identical to its ground
    truth, as a clean input is) as null, which is read back here as NaN so that it drops out of every mean, as it
    does from sade eval's own."""
    if not os.path.isfile(path):
        raise SystemExit(f"{path}: no such file")
    with open(path) as f:
        data = json.load(f)
    if "rows" not in data:
        raise SystemExit(f"{path}: not a `sade eval --json` file (no 'rows')")
    return {r["name"]: {k: math.nan if v is None and k in METRICS else v for k, v in r.items()} for r in data["rows"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("baseline")
    ap.add_argument("candidate")
    args = ap.parse_args()
    base, cand = rows(args.baseline), rows(args.candidate)
    names = sorted(base.keys() & cand.keys())
    if not names:
        raise SystemExit(f"{args.baseline} and {args.candidate} share no face names")
    for k, better in METRICS.items():
        if any(k not in base[n] or k not in cand[n] for n in names):  # sade eval --metrics scored only some
            continue
        d = [cand[n][k] - base[n][k] for n in names if math.isfinite(base[n][k]) and math.isfinite(cand[n][k])]
        if not d:
            print(f"{k:5s} n/a (no face scored finitely in both files)")
            continue
        mean = sum(d) / len(d)
        se = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1) / len(d)) if len(d) > 1 else float("nan")
        wins = sum(x * better > 0 for x in d)
        print(f"{k:5s} {mean:+.4f} ± {se:.4f} (standard error)  candidate better on {wins}/{len(d)} faces")


if __name__ == "__main__":
    main()
