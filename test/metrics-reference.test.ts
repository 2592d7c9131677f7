// The key check of issue 4: our metrics reproduce an independent implementation on ../shared/eval-reference
// (lq/<name>.png vs hq/<name>.png) within the tolerances of ../shared/README.md.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultAssets, sharedRoot } from "../core/metrics/assets.js";
import { evaluate, type EvalReport } from "../core/metrics/evaluate.js";
import { loadNiqeParams, niqe } from "../core/metrics/niqe.js";
import { readRgb } from "../core/metrics/rgb.js";

const REF_DIR = join(sharedRoot(), "eval-reference");
const TOLERANCE = { psnr: 0.01, ssim: 0.001, lpips: 0.002, niqe: 0.05, idd: 0.01 } as const;

interface RefRow {
  name: string;
  psnr: number;
  ssim: number;
  lpips: number;
  niqe: number;
  idd: number;
  niqe_hq: number;
}

describe("metrics vs ../shared/eval-reference/reference.json", () => {
  let ref: { rows: RefRow[] };
  let report: EvalReport;

  beforeAll(async () => {
    const file = join(REF_DIR, "reference.json");
    if (!existsSync(file)) throw new Error(`${file} not found: set SADE_SHARED or SADE_DATA`);
    ref = JSON.parse(readFileSync(file, "utf8"));
    report = await evaluate({ restoredDir: join(REF_DIR, "lq"), gtDir: join(REF_DIR, "hq") });
  });

  it("pairs all ten images", () => {
    expect(ref.rows).toHaveLength(10);
    expect(report.rows.map((r) => r.name).sort()).toEqual(ref.rows.map((r) => r.name).sort());
  });

  for (const metric of ["psnr", "ssim", "lpips", "niqe", "idd"] as const) {
    it(`${metric} within ${TOLERANCE[metric]} on every pair`, () => {
      for (const r of ref.rows) {
        const mine = report.rows.find((x) => x.name === r.name)![metric];
        expect(mine, `${metric} of ${r.name}`).toBeTypeOf("number");
        expect(Math.abs(mine! - r[metric]), `${metric} of ${r.name}: ${mine} vs ${r[metric]}`).toBeLessThanOrEqual(TOLERANCE[metric]);
      }
    });
  }

  it("niqe of the ground-truth images within 0.05", async () => {
    const params = await loadNiqeParams(defaultAssets().niqeParams);
    for (const r of ref.rows) {
      const v = niqe(await readRgb(join(REF_DIR, "hq", `${r.name}.png`)), params);
      expect(Math.abs(v - r.niqe_hq), `niqe_hq of ${r.name}: ${v} vs ${r.niqe_hq}`).toBeLessThanOrEqual(TOLERANCE.niqe);
    }
  });
});
