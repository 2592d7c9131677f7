// core/degrade (TypeScript, `sade degrade`) and training/common/degrade.py (the lead's Python twin used in
// training) must describe the same degradation: same operations for the same parameters, same parameter
// distribution. Random streams differ by design (numpy vs our seeded PRNG).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { degradeWith } from "../core/degrade/degrade.js";
import { sampleParams, type DegradeParams } from "../core/degrade/eq9.js";
import { Rng } from "../core/degrade/prng.js";
import { repoRoot, sharedRoot } from "../core/metrics/assets.js";
import { listImages } from "../core/metrics/files.js";
import { psnr } from "../core/metrics/psnr.js";
import { readRgb } from "../core/metrics/rgb.js";
import { torchPython } from "./helpers/python.js";

const work = mkdtempSync(join(tmpdir(), "sade-twin-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const py = torchPython();

function python(code: string): string {
  return execFileSync(py, ["-c", code], { cwd: repoRoot(), encoding: "utf8" });
}

describe("degradation: TypeScript and Python twins", () => {
  it("give the same image for the same parameters (noise off)", async () => {
    const hqPath = [...listImages(join(sharedRoot(), "data", "celebahq-512", "val", "images")).values()][0];
    const cases: DegradeParams[] = [
      { clean: false, sigma: 2, r: 4, delta: 0, q: 80, brightness: 0, contrast: 1, saturation: 1 },
      { clean: false, sigma: 0.7, r: 2.3, delta: 0, q: 95, brightness: 0.05, contrast: 1.08, saturation: 0.92 },
    ];
    writeFileSync(join(work, "cases.json"), JSON.stringify(cases));
    python(`
import json, cv2, numpy as np
from training.common.degrade import degrade, DegradeParams
hq = cv2.cvtColor(cv2.imread(${JSON.stringify(hqPath)}), cv2.COLOR_BGR2RGB)
for i, c in enumerate(json.load(open(${JSON.stringify(join(work, "cases.json"))}))):
    out = degrade(hq, np.random.default_rng(0), DegradeParams(**c))
    cv2.imwrite(${JSON.stringify(work)} + f"/py{i}.png", cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
`);
    const hq = await readRgb(hqPath);
    for (let i = 0; i < cases.length; i++) {
      const ts = await degradeWith(hq, cases[i], new Rng(0));
      const pyImg = await readRgb(join(work, `py${i}.png`));
      const agreement = psnr(ts, pyImg);
      const change = psnr(ts, hq);
      expect(change, "the parameters must degrade visibly").toBeLessThan(35);
      expect(agreement, `case ${i}: TS vs Python`).toBeGreaterThan(50);
    }
  });

  it("sample the same parameter distribution", () => {
    const n = 20000;
    const stats = (rows: DegradeParams[]) => ({
      clean: rows.filter((p) => p.clean).length / n,
      jitter: rows.filter((p) => p.contrast !== 1).length / n,
      sigma: rows.reduce((s, p) => s + p.sigma, 0) / n,
      r: rows.reduce((s, p) => s + p.r, 0) / n,
      delta: rows.reduce((s, p) => s + p.delta, 0) / n,
      q: rows.reduce((s, p) => s + p.q, 0) / n,
    });
    const rng = new Rng(3);
    const ts = stats(Array.from({ length: n }, () => sampleParams(rng)));
    const p = JSON.parse(
      python(`
import json, numpy as np
from training.common.degrade import sample_params
rng = np.random.default_rng(3)
rows = [sample_params(rng) for _ in range(${n})]
m = lambda f: float(np.mean([f(p) for p in rows]))
print(json.dumps(dict(clean=m(lambda p: p.clean), jitter=m(lambda p: p.contrast != 1), sigma=m(lambda p: p.sigma),
                      r=m(lambda p: p.r), delta=m(lambda p: p.delta), q=m(lambda p: p.q))))
`),
    ) as ReturnType<typeof stats>;
    expect(Math.abs(ts.clean - p.clean)).toBeLessThan(0.015);
    expect(Math.abs(ts.jitter - p.jitter)).toBeLessThan(0.02);
    expect(Math.abs(ts.sigma - p.sigma)).toBeLessThan(0.06);
    expect(Math.abs(ts.r - p.r)).toBeLessThan(0.08);
    expect(Math.abs(ts.delta - p.delta)).toBeLessThan(0.2);
    expect(Math.abs(ts.q - p.q)).toBeLessThan(0.3);
  });
});
