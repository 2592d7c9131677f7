import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// The restorer recipe takes the fidelity as one w per face or as a map over the face (models/restorer.md, "Fidelity
// per region"). A uniform map must be the scalar, and a map that is 0 on one side and 1 on the other must give each
// side what that w gives. v30's graph; weights randomised (the output head starts at zero).
const script = `
import json, torch
from training.restorer.model import Restorer
from training.tools.fidelity_map import fidelity_map
cfg = json.load(open("training/configs/restorer-v30.json"))
torch.manual_seed(1)
net = Restorer(**cfg["model"]).eval()
g = torch.Generator().manual_seed(0)
x = torch.rand(1, 3, 512, 512, generator=g) * 2 - 1
seg = torch.softmax(torch.randn(1, 19, 128, 128, generator=g) * 3, 1)
with torch.no_grad():
    for p in net.parameters():
        p.add_(torch.randn(p.shape) * 0.02)
    scalar = net(x, seg, torch.tensor([0.3]))
    uniform = net(x, seg, torch.full((1, 1, 128, 128), 0.3))
    at0, at1 = net(x, seg, torch.tensor([0.0])), net(x, seg, torch.tensor([1.0]))
    half = torch.zeros(1, 1, 128, 128); half[..., 64:] = 1
    split = net(x, seg, half)
left, right = (slice(None), slice(None), slice(None), slice(0, 96)), (slice(None), slice(None), slice(None), slice(416, 512))
d = lambda a, b, s: float((a[s] - b[s]).abs().mean())
# the tool's map: hair (13) at 0, background (0) at 0.5, the rest at 1, weighted by the parser's probabilities
probs = torch.zeros(1, 19, 2, 2); probs[0, 13, 0, 0] = 1; probs[0, 0, 0, 1] = 1; probs[0, 1, 1, 0] = 1
probs[0, 13, 1, 1] = probs[0, 1, 1, 1] = 0.5
tool = fidelity_map(probs, 1.0, [([13], 0.0), ([0], 0.5)]).flatten().tolist()
print(json.dumps({"tool": tool, "uniform": float((uniform - scalar).abs().max()), "w_effect": d(at0, at1, left),
    "left_to_0": d(split, at0, left), "right_to_1": d(split, at1, right), "right_to_0": d(split, at0, right)}))
`;

describe("fidelity map", () => {
  it("a uniform map is the scalar w, and each part of a split map gets its own w", () => {
    const r = JSON.parse(execFileSync(torchPython(), ["-c", script], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop()!);
    expect(r.tool).toEqual([0, 0.5, 1, 0.5]);
    expect(r.uniform).toBeLessThan(1e-5);
    expect(r.w_effect).toBeGreaterThan(1e-3); // w does something on these weights
    expect(r.left_to_0).toBeLessThan(0.2 * r.w_effect);
    expect(r.right_to_1).toBeLessThan(0.2 * r.w_effect);
    expect(r.right_to_0).toBeGreaterThan(0.5 * r.w_effect);
  }, 120_000);
});
