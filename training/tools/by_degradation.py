"""Validation numbers on the faces of a degradation subset: which kinds of input a model handles badly.

  /usr/bin/python3 -m training.tools.by_degradation LQ/degradations.json INPUT.json A.json [B.json ...] \
      [--min delta=10] [--max sigma=1.5]

LQ/degradations.json is what `sade degrade` wrote beside the degraded set (each face's sigma, r, delta, q, clean);
INPUT.json is `sade eval` of the degraded faces themselves, A.json ... of restorations (`sade eval --json`). Clean
faces are left out. Prints the subset's mean of every metric the files share, per file, and for each restoration
on how many faces it is below the input's PSNR and SSIM.

Why: val-100's means hide a class of input that a model leaves as it is (session 37: faces with strong noise and
little blur keep their noise at every fidelity; models/restorer.md, "Noise the restorer keeps").
"""
import argparse
import json
import math
from pathlib import Path

from .paired_diff import METRICS, rows


def _bound(text: str) -> tuple[str, float]:
    key, _, value = text.partition("=")
    if not value:
        raise argparse.ArgumentTypeError(f"{text}: expected KEY=VALUE, e.g. delta=10")
    return key, float(value)


def finite_mean(values: list[float]) -> float:
    """The mean over the finite values, as sade eval's own means (NaN when there are none)."""
    kept = [v for v in values if math.isfinite(v)]
    return sum(kept) / len(kept) if kept else math.nan


def cell(mean: float) -> str:
    """A mean as a table cell: n/a where no face had a finite value."""
    return "n/a" if math.isnan(mean) else f"{mean:.4f}"


def subset(degradations: dict, lows: list[tuple[str, float]], highs: list[tuple[str, float]]) -> list[str]:
    """Names of the degraded (not clean) faces whose parameters are >= every low and <= every high bound."""
    names = []
    for name, p in degradations.items():
        if p.get("clean"):
            continue
        for key, _ in lows + highs:
            if key not in p:
                raise SystemExit(f"degradations: face {name} has no parameter '{key}' (has {sorted(p)})")
        if all(p[k] >= v for k, v in lows) and all(p[k] <= v for k, v in highs):
            names.append(name)
    return sorted(names)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("degradations", type=Path)
    ap.add_argument("input", type=Path, help="sade eval --json of the degraded faces")
    ap.add_argument("restored", type=Path, nargs="+")
    ap.add_argument("--min", type=_bound, action="append", default=[], metavar="KEY=V")
    ap.add_argument("--max", type=_bound, action="append", default=[], metavar="KEY=V")
    args = ap.parse_args(argv)
    if not args.degradations.is_file():
        raise SystemExit(f"{args.degradations}: no such file")
    degradations = json.loads(args.degradations.read_text()).get("images")
    if not isinstance(degradations, dict):
        raise SystemExit(f"{args.degradations}: not a `sade degrade` record (no 'images')")
    names = subset(degradations, args.min, args.max)
    if not names:
        raise SystemExit("no degraded face matches those bounds")
    base = rows(args.input)
    files = [(args.input, base)] + [(p, rows(p)) for p in args.restored]
    for path, face_rows in files:
        missing = [n for n in names if n not in face_rows]
        if missing:
            raise SystemExit(f"{path}: no row for {len(missing)} of the {len(names)} faces (e.g. {missing[0]})")
    metrics = [m for m in METRICS if all(m in face_rows[names[0]] for _, face_rows in files)]
    print(f"{len(names)} faces with " + ", ".join([f"{k} >= {v:g}" for k, v in args.min] + [f"{k} <= {v:g}" for k, v in args.max]))
    print("| file | " + " | ".join(metrics) + " | below input PSNR | below input SSIM |")
    print("|---|" + "---|" * (len(metrics) + 2))
    for path, face_rows in files:
        means = [finite_mean([face_rows[n][m] for n in names]) for m in metrics]
        below = ["", ""] if face_rows is base else [
            str(sum(face_rows[n][m] < base[n][m] for n in names)) if m in base[names[0]] else "" for m in ("psnr", "ssim")]
        print(f"| {path} | " + " | ".join(map(cell, means)) + f" | {below[0]} | {below[1]} |")


if __name__ == "__main__":
    main()
