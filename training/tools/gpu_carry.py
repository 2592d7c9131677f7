"""Checkpoints on their way to and from a lent GPU machine (scripts/gpu-stage.sh, gpu-train.sh, gpu-unpack.sh).

  python3 -m training.tools.gpu_carry stage OUT_DIR NAME...          float16 copies of training/runs/recovered/NAME.pt
  python3 -m training.tools.gpu_carry pack OUT_DIR --full NAME --half NAME...
  python3 -m training.tools.gpu_carry unpack FILES_AT                 -> training/runs/NAME/final.pt (float32)

Why float16 and split files: the device tool carries 64 MiB in all (the tree included) and sends back at most 8
files of 16 MiB each. A fine-tune that later runs carry on keeps float32 weights, with its critics in a file of
their own (NAME-discs.pt); the prior and the ablations, which are only evaluated, come back in float16. What pack
writes is what unpack reads, so both live here."""
import argparse
from pathlib import Path

import torch

RUNS = Path("training/runs")


def cast(model: dict, dtype: torch.dtype) -> dict:
    return {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in model.items()}


def stage(out: Path, names: list[str]) -> None:
    for name in names:
        ck = torch.load(RUNS / "recovered" / f"{name}.pt", map_location="cpu")
        ck["model"] = cast(ck["model"], torch.float16)
        ck["state"]["stored_as"] = "float16 for the device tool's carry (scripts/gpu-stage.sh)"
        torch.save(ck, out / f"{name}.pt")


def pack(out: Path, full: list[str], half: list[str]) -> None:
    for name, is_half in [(n, False) for n in full] + [(n, True) for n in half]:
        path = RUNS / name / "last.pt"
        if not path.exists():
            print(f"gpu-train: no checkpoint of {name}")
            continue
        ck = torch.load(path, map_location="cpu", weights_only=False)
        model = cast(ck["model"], torch.float16) if is_half else ck["model"]
        torch.save({"model": model, "state": ck["state"], "config": ck["config"]}, out / f"{name}.pt")
        if not is_half and ck.get("discs"):
            torch.save({"discs": ck["discs"], "state": ck["state"]}, out / f"{name}-discs.pt")


def unpack(src: Path) -> None:
    for f in sorted(src.glob("*.pt")):
        if f.stem.endswith("-discs"):
            continue
        ck = torch.load(f, map_location="cpu")
        ck["model"] = cast(ck["model"], torch.float32)
        discs = src / f"{f.stem}-discs.pt"
        if discs.exists():
            ck["discs"] = torch.load(discs, map_location="cpu")["discs"]
        out = RUNS / f.stem / "final.pt"
        out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(ck, out)
        print(f"{out}: iteration {ck['state'].get('iter')}, {ck['state'].get('elapsed', 0) / 60:.1f} minutes"
              + (", with critics" if "discs" in ck else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stage")
    s.add_argument("out", type=Path)
    s.add_argument("names", nargs="+")
    p = sub.add_parser("pack")
    p.add_argument("out", type=Path)
    p.add_argument("--full", nargs="*", default=[])
    p.add_argument("--half", nargs="*", default=[])
    u = sub.add_parser("unpack")
    u.add_argument("src", type=Path)
    args = ap.parse_args()
    if args.cmd == "stage":
        stage(args.out, args.names)
    elif args.cmd == "pack":
        pack(args.out, args.full, args.half)
    else:
        unpack(args.src)


if __name__ == "__main__":
    main()
