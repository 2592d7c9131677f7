import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// model.head_input (v52, models/restorer.md "Restoring twice"): with "gated" the output head's stacks see the face
// with the band gate's bands already taken out; with "input" (every shipped model) the degraded face itself.
// Weights are randomised so that the gates and the head are not zero, as they are at initialisation.
const script = `
import json, torch
from training.restorer.model import Restorer
model = dict(widths=[16, 16, 16, 16], codes=16, code_dim=8, heads=2, head="upconv", refine={"width": 16, "blocks": 1},
             detail={"width": 8, "blocks": 1}, detail512={"width": 8, "blocks": 1},
             band_gate={"sigmas": [1.0, 2.0], "gain": 10.0})
g = torch.Generator().manual_seed(0)
x = torch.rand(1, 3, 512, 512, generator=g) * 2 - 1
seg = torch.softmax(torch.randn(1, 19, 128, 128, generator=g) * 3, 1)
w = torch.tensor([0.3])
r = {}
for mode in ("input", "gated"):
    torch.manual_seed(1)
    net = Restorer(**model, head_input=mode).eval()
    seen, gate_in = {}, {}
    net.decoder.out.register_forward_pre_hook(lambda m, a: seen.update(face=a[1].clone()))
    net.decoder.band_gate.register_forward_pre_hook(lambda m, a: gate_in.update(h=a[0].clone()))
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn(p.shape) * 0.02)
        out = net(x, seg, w)
        removed = net.decoder.band_gate(gate_in["h"], x, w.view(-1, 1, 1, 1))
    r[mode] = {"head_saw_input": float((seen["face"] - x).abs().max()),
               "head_saw_gated": float((seen["face"] - (x - removed)).abs().max()),
               "removed": float(removed.abs().max()), "out": out}
r["outputs_differ"] = float((r["input"].pop("out") - r["gated"].pop("out")).abs().max())
try:
    Restorer(**{k: v for k, v in model.items() if k != "band_gate"}, head_input="gated")
    r["refused"] = ""
except ValueError as e:
    r["refused"] = str(e)
print(json.dumps(r))
`;

describe("model.head_input", () => {
  it("'gated' shows the output head the face less the gated bands, 'input' the degraded face itself", () => {
    const r = JSON.parse(execFileSync(torchPython(), ["-c", script], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop()!);
    expect(r.input.removed).toBeGreaterThan(1e-3); // the gates do remove something, so the two differ
    expect(r.input.head_saw_input).toBe(0);
    expect(r.gated.head_saw_gated).toBeLessThan(1e-6);
    expect(r.gated.head_saw_input).toBeGreaterThan(1e-3);
    expect(r.outputs_differ).toBeGreaterThan(1e-4);
    // without a band gate there is nothing to take out: refused, saying what it needs
    expect(r.refused).toMatch(/'gated' with a band gate and the upconv head/);
  });
});
