"""Markdown IoU table for models/parser.md from `training.parser.evaluate --json` output: clean and degraded, against
the held-out maps as given and with their swapped left/right names corrected ("sides fixed").

  python3 -m training.tools.iou_table parser-eval.json"""
import json
import sys

from ..parser.metrics import CLASS_NAMES, FACIAL


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


def main():
    r = json.load(open(sys.argv[1]))
    cols = [r["clean"], r["degraded"], r["clean"]["sides_fixed"], r["degraded"]["sides_fixed"]]
    print("| class | clean | degraded | clean, sides fixed | degraded, sides fixed |\n| --- | --- | --- | --- | --- |")
    for i, name in enumerate(CLASS_NAMES):
        mark = " (facial)" if i in FACIAL else ""
        print(f"| {i} {name}{mark} | " + " | ".join(fmt(c["iou"][name]) for c in cols) + " |")
    print("| **mean IoU, facial classes** | " + " | ".join(f"**{c['facial_miou']:.3f}**" for c in cols) + " |")
    print("| **eyes (mean of 4, 5)** | " + " | ".join(f"**{c['eyes_iou']:.3f}**" for c in cols) + " |")


if __name__ == "__main__":
    main()
