import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// Training checkpoints are not committed and lent GPU machines are not kept: the shipped ONNX files are the only
// lasting copy of the weights. The tool rebuilds a checkpoint from them and fails unless its re-export reproduces
// every constant of the shipped file, so an exit 0 here is the equality check.
const work = mkdtempSync(join(tmpdir(), "sade-recover-"));
const py = torchPython();

function recover(model: string, config: string, out: string) {
  return spawnSync(py, ["-m", "training.tools.recover_checkpoint", "--model", model, "--config", config, "--out", out], {
    cwd: REPO, encoding: "utf8",
  });
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("training checkpoints recovered from the shipped ONNX models", () => {
  it("rebuilds the shipped restorer and parser exactly, and the restorer runs as PyTorch", () => {
    for (const [model, config] of [["restorer", "training/configs/restorer-v46.json"], ["parser", "training/configs/parser-v4.json"]]) {
      const out = join(work, `${model}.pt`);
      const res = recover(model, config, out);
      expect(res.status, res.stderr).toBe(0);
      const report = JSON.parse(res.stdout.trim().split("\n").pop()!);
      expect(report.max_constant_diff).toBe(0);
      expect(existsSync(out)).toBe(true);
    }
    // The recovered restorer changes a degraded face, and its output stays in the contract's range.
    const stats = execFileSync(py, ["-c", `
import torch
from training.restorer.export import from_checkpoint
net = from_checkpoint(torch.load(${JSON.stringify(join(work, "restorer.pt"))}))
g = torch.Generator().manual_seed(0)
x = (torch.rand(1, 3, 512, 512, generator=g) * 2 - 1) * 0.5
with torch.no_grad():
    y = net(x, torch.full((1, 19, 128, 128), 1 / 19), torch.tensor([0.5])).clamp(-1, 1)
print((y - x).abs().mean().item(), y.min().item(), y.max().item())
`], { cwd: REPO, encoding: "utf8" }).trim().split(" ").map(Number);
    expect(stats[0]).toBeGreaterThan(1e-3);
    expect(stats[1]).toBeGreaterThanOrEqual(-1);
    expect(stats[2]).toBeLessThanOrEqual(1);
  }, 120_000);

  it("refuses a config whose architecture is not the shipped file's, and says so", () => {
    // Recipe v6 has no fidelity modulation in its LDEs: its network cannot hold the shipped weights.
    const res = recover("restorer", "training/configs/restorer-v6.json", join(work, "wrong.pt"));
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("was not exported from this architecture");
    expect(existsSync(join(work, "wrong.pt"))).toBe(false);
  }, 60_000);
});
