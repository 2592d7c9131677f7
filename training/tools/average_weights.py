"""Average the generator weights of several restorer checkpoints into one checkpoint (a weight average: snapshots of
one run, as stochastic weight averaging does, or the ends of several fine-tunes from one start, a "model soup").

  /usr/bin/python3 -m training.tools.average_weights A.pt B.pt [C.pt ...] --out SOUP.pt [--weights 0.5,0.25,0.25]

Why: every CPU fine-tune here runs at batch 4, so its last iterate carries the noise of its last few hundred
updates; runs that start from the same weights stay in one basin, where an average of their weights is a model of
its own (Izmailov et al. 2018; Wortsman et al. 2022). The result starts a run or is exported like any checkpoint
(`scripts/eval-checkpoint.sh SOUP.pt OUT`); it holds no critics or optimiser state.

Refused, naming the file: checkpoints of different networks (other keys or shapes), or weights that do not match
the number of checkpoints or do not sum to 1.
"""
import argparse
from pathlib import Path

import torch


def average(models: list[dict], weights: list[float]) -> dict:
    """Weighted mean of state dicts with the same keys and shapes; integer buffers are taken from the first."""
    out = {}
    for key, first in models[0].items():
        if not torch.is_floating_point(first):
            out[key] = first.clone()
            continue
        acc = torch.zeros_like(first, dtype=torch.float64)
        for m, w in zip(models, weights):
            acc += w * m[key].to(torch.float64)
        out[key] = acc.to(first.dtype)
    return out


def _load(path: Path) -> dict:
    if not path.is_file():
        raise SystemExit(f"{path}: no such checkpoint")
    ckpt = torch.load(path, map_location="cpu")
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise SystemExit(f"{path}: not a restorer training checkpoint (no 'model' state dict)")
    return ckpt


def _check_same_network(paths: list[Path], models: list[dict]) -> None:
    ref = {k: tuple(v.shape) for k, v in models[0].items()}
    for path, m in zip(paths[1:], models[1:]):
        shapes = {k: tuple(v.shape) for k, v in m.items()}
        if shapes.keys() != ref.keys():
            extra = sorted(set(shapes) ^ set(ref))[:3]
            raise SystemExit(f"{path}: a different network from {paths[0]} (keys differ, e.g. {extra})")
        for k, s in shapes.items():
            if s != ref[k]:
                raise SystemExit(f"{path}: {k} has shape {s}, {paths[0]} has {ref[k]}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoints", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", help="comma-separated, one per checkpoint, summing to 1 (default: equal)")
    args = ap.parse_args(argv)
    if len(args.checkpoints) < 2:
        raise SystemExit("average_weights: give two or more checkpoints")
    n = len(args.checkpoints)
    weights = [1.0 / n] * n if args.weights is None else [float(x) for x in args.weights.split(",")]
    if len(weights) != n:
        raise SystemExit(f"--weights: {len(weights)} weights for {n} checkpoints")
    if abs(sum(weights) - 1.0) > 1e-6:
        raise SystemExit(f"--weights: they sum to {sum(weights):.6g}, not 1")
    ckpts = [_load(p) for p in args.checkpoints]
    models = [c["model"] for c in ckpts]
    _check_same_network(args.checkpoints, models)
    soup = {
        "model": average(models, weights),
        "config": ckpts[0]["config"],
        "state": dict(ckpts[0].get("state", {})),
        "averaged_from": [(str(p), w) for p, w in zip(args.checkpoints, weights)],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(soup, args.out)
    print(f"{args.out}: mean of {n} checkpoints, weights {', '.join(f'{w:.3g}' for w in weights)}")


if __name__ == "__main__":
    main()
