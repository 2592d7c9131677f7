"""Export a stage-2 restorer checkpoint to models/restorer.onnx (the contract in models/models.json).

  python3 -m training.restorer.export [--checkpoint training/runs/restorer/last.pt] [--out models/restorer.onnx]"""
import argparse
from pathlib import Path

import torch

from ..common.onnx_export import count_macs, export
from ..common.paths import REPO
from .model import ControlCNN, Restorer, RestorerExport


def load(checkpoint: Path) -> torch.nn.Module:
    ck = torch.load(checkpoint, map_location="cpu")
    net = (ControlCNN if ck["config"]["stage"] == "control" else Restorer)(**ck["config"]["model"])
    net.load_state_dict(ck["model"])
    return net.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=str(REPO / "training/runs/restorer/last.pt"))
    ap.add_argument("--out", default=str(REPO / "models/restorer.onnx"))
    args = ap.parse_args()
    net = load(Path(args.checkpoint))
    example = (torch.zeros(1, 3, 512, 512), torch.full((1, 19, 128, 128), 1 / 19), torch.tensor([0.5]))
    out = export(RestorerExport(net), "restorer", Path(args.out), example)
    params = sum(p.numel() for p in net.parameters())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {params / 1e6:.3f} M parameters, "
          f"{count_macs(net, example):.2f} GMACs")


if __name__ == "__main__":
    main()
