import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// The ablation table on the shipped graph (models/restorer.md, "Ablations") rests on two things: the four configs
// differ only in the part switched off (same recipe, same budget), and each switch really cuts its part out of the
// forward pass. Weights are randomised (the output head starts at zero, which would make every output the input).
const script = `
import json, torch
from training.restorer.model import Restorer
names = ["full", "no-seg", "no-safm", "no-lde"]
cfgs = {n: json.load(open(f"training/configs/restorer-v30-ablation-{n}.json")) for n in names}
def stripped(c):
    c = json.loads(json.dumps(c)); c.pop("name")
    for k in ("use_seg", "use_safm", "use_lde"): c["model"].pop(k)
    return c
same_recipe = all(stripped(cfgs[n]) == stripped(cfgs["full"]) for n in names)
flags = {n: [cfgs[n]["model"][k] for k in ("use_seg", "use_safm", "use_lde")] for n in names}
g = torch.Generator().manual_seed(0)
x = torch.rand(1, 3, 512, 512, generator=g) * 2 - 1
seg = torch.softmax(torch.randn(1, 19, 128, 128, generator=g) * 3, 1)
seg2 = torch.softmax(torch.randn(1, 19, 128, 128, generator=g) * 3, 1)
w = torch.tensor([0.5])
out = {}
for n in names:
    torch.manual_seed(1)
    net = Restorer(**cfgs[n]["model"]).eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn(p.shape) * 0.02)
        base = net(x, seg, w)
        def moved(y): return float((y - base).abs().max())
        r = {"identity": float((base - x).abs().max()), "seg": moved(net(x, seg2, w))}
        for part in ("safm", "lde"):
            saved = [p.clone() for p in getattr(net, part).parameters()]
            for p in getattr(net, part).parameters():
                p.add_(torch.randn(p.shape) * 0.5)
            r[part] = moved(net(x, seg, w))
            for p, s in zip(getattr(net, part).parameters(), saved):
                p.copy_(s)
    out[n] = r
print(json.dumps({"same_recipe": same_recipe, "flags": flags, "out": out}))
`;

describe("ablation configs on the shipped graph", () => {
  it("differ only in the part switched off, and each switch cuts that part out of the forward pass", () => {
    const text = execFileSync(torchPython(), ["-c", script], { cwd: REPO, encoding: "utf8" });
    const r = JSON.parse(text.trim().split("\n").pop()!);
    expect(r.same_recipe).toBe(true);
    expect(r.flags).toEqual({
      full: [true, true, true],
      "no-seg": [false, true, true],
      "no-safm": [true, false, true],
      "no-lde": [true, true, false],
    });
    const o = r.out;
    for (const n of ["full", "no-seg", "no-safm", "no-lde"]) expect(o[n].identity).toBeGreaterThan(1e-3);
    // full: every part matters
    expect(o.full.seg).toBeGreaterThan(1e-6);
    expect(o.full.safm).toBeGreaterThan(1e-6);
    expect(o.full.lde).toBeGreaterThan(1e-6);
    // each variant: its part has no effect at all (bit for bit), the others still do
    expect(o["no-seg"].seg).toBe(0);
    expect(o["no-seg"].safm).toBeGreaterThan(1e-6);
    expect(o["no-safm"].safm).toBe(0);
    expect(o["no-safm"].seg).toBeGreaterThan(1e-6);
    expect(o["no-lde"].lde).toBe(0);
    expect(o["no-lde"].seg).toBeGreaterThan(1e-6);
  }, 120_000);
});
