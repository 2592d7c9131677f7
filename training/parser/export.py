"""Export a parser checkpoint to models/parser.onnx (the contract in models/models.json).

  python3 -m training.parser.export [--checkpoint training/runs/parser/last.pt] [--out models/parser.onnx]"""
from pathlib import Path

import torch

from ..common.onnx_export import export_cli
from .model import ParserExport, ParserNet


EXAMPLE = (torch.zeros(1, 3, 512, 512),)


def load(checkpoint: Path) -> ParserNet:
    ck = torch.load(checkpoint, map_location="cpu")
    net = ParserNet(**ck["config"]["model"])
    net.load_state_dict(ck["model"])
    return net.eval()


def main():
    export_cli("parser", load, ParserExport, EXAMPLE)


if __name__ == "__main__":
    main()
