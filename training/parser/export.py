"""Export a parser checkpoint to models/parser.onnx (the contract in models/models.json).

  python3 -m training.parser.export [--checkpoint training/runs/parser/last.pt] [--out models/parser.onnx]"""
import argparse
from pathlib import Path

import torch

from ..common.onnx_export import count_macs, export
from ..common.paths import REPO
from .model import ParserExport, ParserNet


def load(checkpoint: Path) -> ParserNet:
    ck = torch.load(checkpoint, map_location="cpu")
    net = ParserNet(**ck["config"]["model"])
    net.load_state_dict(ck["model"])
    return net.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=str(REPO / "training/runs/parser/last.pt"))
    ap.add_argument("--out", default=str(REPO / "models/parser.onnx"))
    args = ap.parse_args()
    net = load(Path(args.checkpoint))
    x = torch.zeros(1, 3, 512, 512)
    out = export(ParserExport(net), "parser", Path(args.out), (x,))
    params = sum(p.numel() for p in net.parameters())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {params / 1e6:.3f} M parameters, "
          f"{count_macs(net, (x,)):.2f} GMACs")


if __name__ == "__main__":
    main()
