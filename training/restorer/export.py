"""Export a stage-2 restorer checkpoint to models/restorer.onnx (the contract in models/models.json).

  python3 -m training.restorer.export [--checkpoint training/runs/restorer/last.pt] [--out models/restorer.onnx]"""
from pathlib import Path

import torch

from ..common.onnx_export import export_cli
from .model import ControlCNN, Restorer, RestorerExport


# Inputs the graph is traced with: a 512 face, a uniform Z_seg, fidelity 0.5.
EXAMPLE = (torch.zeros(1, 3, 512, 512), torch.full((1, 19, 128, 128), 1 / 19), torch.tensor([0.5]))


def network(cfg: dict) -> torch.nn.Module:
    """The untrained network of a recipe config: a restorer or the control."""
    return (ControlCNN if cfg["stage"] == "control" else Restorer)(**cfg["model"])


def from_checkpoint(ck: dict) -> torch.nn.Module:
    """The network of a loaded training checkpoint (a restorer or the control), in eval mode."""
    net = network(ck["config"])
    net.load_state_dict(ck["model"])
    return net.eval()


def load(checkpoint: Path) -> torch.nn.Module:
    return from_checkpoint(torch.load(checkpoint, map_location="cpu"))


def main():
    export_cli("restorer", load, RestorerExport, EXAMPLE)


if __name__ == "__main__":
    main()
