"""IoU per class of a parser checkpoint on the 100 held-out faces, clean and degraded (fixed seed), as JSON.

  python3 -m training.parser.evaluate [--checkpoint training/runs/parser/last.pt] [--json out.json] [--single]

By default the logits are flip-averaged, as in the shipped graph (model.ParserExport); --single scores one pass.
Each of "clean" and "degraded" also holds "sides_fixed": the same predictions against the held-out maps with their
swapped left/right names corrected (11 of the 100; common.faces.sides_swapped)."""
import argparse
import json
from pathlib import Path

import torch

from ..common.faces import parser_split, read_labels, read_rgb
from ..common.paths import REPO
from .export import load
from .metrics import evaluate
from .model import FlipAveraged


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default=str(REPO / "training/runs/parser/last.pt"))
    ap.add_argument("--json", default=None)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--single", action="store_true", help="one pass, without the shipped graph's flip average")
    args = ap.parse_args()
    torch.set_num_threads(2)
    net = load(Path(args.checkpoint))
    net = net if args.single else FlipAveraged(net).eval()
    _, held = parser_split()
    held = held[: args.limit] if args.limit else held
    images = [read_rgb(i, 512) for i, _ in held]
    labels = [read_labels(m) for _, m in held]
    result = {"faces": len(held), "clean": evaluate(net, images, labels, degraded=False, fixed_sides=True),
              "degraded": evaluate(net, images, labels, degraded=True, fixed_sides=True)}
    text = json.dumps(result, indent=1)
    if args.json:
        Path(args.json).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
