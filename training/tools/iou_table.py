"""Markdown IoU table for models/parser.md from `training.parser.evaluate --json` output.

  python3 -m training.tools.iou_table parser-eval.json"""
import json
import sys

from ..parser.metrics import CLASS_NAMES, FACIAL


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


def main():
    r = json.load(open(sys.argv[1]))
    print(f"| class | clean | degraded |\n| --- | --- | --- |")
    for i, name in enumerate(CLASS_NAMES):
        mark = " (facial)" if i in FACIAL else ""
        print(f"| {i} {name}{mark} | {fmt(r['clean']['iou'][name])} | {fmt(r['degraded']['iou'][name])} |")
    print(f"| **mean IoU, facial classes** | **{r['clean']['facial_miou']:.3f}** | **{r['degraded']['facial_miou']:.3f}** |")
    print(f"| **eyes (mean of 4, 5)** | **{r['clean']['eyes_iou']:.3f}** | **{r['degraded']['eyes_iou']:.3f}** |")


if __name__ == "__main__":
    main()
