import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// Some CelebAMask-HQ maps name left and right the other way round from the rest (training/common/faces.py
// sides_swapped). The parser's recipe relabels them (train.fix_sides) and its evaluation reports both label sets,
// so the detection must find exactly those maps and leave the others alone.
const script = `
import json
import numpy as np
from training.common.faces import FLIP_LUT, canonical_sides, parser_split, read_labels, sides_swapped
train, held = parser_split()
swapped = [i for i, (_, m) in enumerate(held) if sides_swapped(read_labels(m))]
first_ok = next(i for i in range(len(held)) if i not in swapped)
ok = read_labels(held[first_ok][1])
bad = read_labels(held[swapped[0]][1])
fixed = canonical_sides(bad)
x4 = np.nonzero(fixed == 4)[1].mean()
x5 = np.nonzero(fixed == 5)[1].mean()
print(json.dumps({"held": len(held), "swapped": len(swapped),
  "ok_unchanged": bool((canonical_sides(ok) == ok).all()),
  "relabelled_back": bool((canonical_sides(FLIP_LUT[ok]) == ok).all()),
  "fixed_left_on_image_right": bool(x4 > x5), "fixed_still_swapped": sides_swapped(fixed),
  "only_side_classes_changed": bool(((fixed != bad) <= np.isin(bad, [4, 5, 6, 7, 8, 9])).all())}))
`;

describe("label sides of the parser's data", () => {
  it("finds the held-out maps with swapped left/right names and corrects only those", () => {
    const out = execFileSync(torchPython(), ["-c", script], { cwd: REPO, encoding: "utf8" });
    const r = JSON.parse(out.trim().split("\n").pop()!);
    expect(r.held).toBe(100);
    expect(r.swapped).toBe(11);
    expect(r.ok_unchanged).toBe(true);
    expect(r.relabelled_back).toBe(true);
    expect(r.fixed_left_on_image_right).toBe(true);
    expect(r.fixed_still_swapped).toBe(false);
    expect(r.only_side_classes_changed).toBe(true);
  });
});
