import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityModel, idd } from "../../core/metrics/idd";
import { LpipsModel } from "../../core/metrics/lpips";
import { defaultAssets } from "../../core/metrics/assets";
import { psnr } from "../../core/metrics/psnr";
import { readRgb, type RgbImage } from "../../core/metrics/rgb";
import { ssim } from "../../core/metrics/ssim";
import { createNodeEngine } from "../../core/models/node-engine";
import type { Engine } from "../../core/models/engine";
import { restoreFaces } from "../../core/pipeline";
import { REPO, sharedDir } from "../helpers/data";

// The shipped restorer (models/restorer.onnx) through the SDK's aligned path, on the ten CelebA-Test-like pairs of
// ../shared/eval-reference: at the default fidelity it must move LPIPS and IDD closer to the ground truth than the
// degraded input is; at fidelity 1 (the faithful end a retoucher picks against identity drift) PSNR and SSIM too.
const shipped = existsSync(join(REPO, "models", "restorer.onnx")) && existsSync(join(REPO, "models", "parser.onnx"));
const contract = JSON.parse(readFileSync(join(REPO, "models", "models.json"), "utf8")).models.restorer;

// The share of the restorer's correction by which the outputs at fidelity 0 and 1 must differ for the slider to be
// visible. v6 moved 0.1% (the slider did nothing; models/restorer.md); v9, v11 and v13, trained with w-dependent losses
// and a w modulation in each LDE, move far more (the test prints the share).
const FIDELITY_EFFECT_MIN = 0.1;

describe.skipIf(!shipped)("shipped restorer model", () => {
  let engine: Engine;
  let lpips: LpipsModel;
  let identity: IdentityModel;
  const ref = join(sharedDir(), "eval-reference");
  const names = readdirSync(join(ref, "lq")).filter((n) => n.endsWith(".png")).sort();

  beforeAll(async () => {
    engine = createNodeEngine();
    lpips = await LpipsModel.load({ weightsDir: defaultAssets().lpipsWeights });
    identity = await IdentityModel.load();
  });
  afterAll(async () => {
    await engine?.release();
    await lpips?.release();
  });

  it("has the documented inputs and outputs", async () => {
    const session = await ort.InferenceSession.create(join(REPO, "models", contract.file));
    expect(session.inputNames).toEqual(Object.keys(contract.inputs));
    expect(session.outputNames).toEqual(Object.keys(contract.outputs));
    await session.release();
  });

  const rows: { lpIn: number; lpOut: number; idIn: number; idOut: number }[] = [];
  const mean = (k: keyof (typeof rows)[number]) => rows.reduce((s, r) => s + r[k], 0) / rows.length;

  beforeAll(async () => {
    for (const name of names) {
      const lq = await readRgb(join(ref, "lq", name));
      const hq = await readRgb(join(ref, "hq", name));
      const result = await restoreFaces({ width: lq.width, height: lq.height, channels: 3, bitDepth: 8, data: lq.data }, engine, { aligned: true });
      const out: RgbImage = { width: lq.width, height: lq.height, data: result.image.data as Uint8Array };
      rows.push({
        lpIn: await lpips.distance(lq, hq),
        lpOut: await lpips.distance(out, hq),
        idIn: await idd(identity, lq, hq),
        idOut: await idd(identity, out, hq),
      });
    }
    console.log(`eval-reference means: LPIPS ${mean("lpIn").toFixed(4)} -> ${mean("lpOut").toFixed(4)}, IDD ${mean("idIn").toFixed(4)} -> ${mean("idOut").toFixed(4)}`);
  });

  it("improves LPIPS over the input on the eval-reference pairs", () => {
    expect(rows).toHaveLength(names.length);
    expect(mean("lpOut")).toBeLessThan(mean("lpIn"));
  });

  it("improves IDD over the input on the eval-reference pairs", () => {
    expect(mean("idOut")).toBeLessThan(mean("idIn"));
  });

  // Since v13 the w = 1 end is trained to stay with the input (models/restorer.md): on val-100 it beats the input
  // on all five metrics. Here, on the ten pairs, the four that need no NIQE (the slowest metric) are checked. Ten
  // pairs guard against a regression, not the val-100 claim: v11 passed here (SSIM 0.6415 vs 0.6404) while missing
  // the input's SSIM on val-100; the default fidelity 0.5 fails here (SSIM 0.6342).
  it("at fidelity 1 improves PSNR, SSIM, LPIPS and IDD over the input on the eval-reference pairs", async () => {
    const sums = { psIn: 0, psOut: 0, ssIn: 0, ssOut: 0, lpIn: 0, lpOut: 0, idIn: 0, idOut: 0 };
    for (const name of names) {
      const lq = await readRgb(join(ref, "lq", name));
      const hq = await readRgb(join(ref, "hq", name));
      const input = { width: lq.width, height: lq.height, channels: 3 as const, bitDepth: 8 as const, data: lq.data };
      const result = await restoreFaces(input, engine, { aligned: true, fidelity: 1 });
      const out: RgbImage = { width: lq.width, height: lq.height, data: result.image.data as Uint8Array };
      sums.psIn += psnr(lq, hq);
      sums.psOut += psnr(out, hq);
      sums.ssIn += ssim(lq, hq);
      sums.ssOut += ssim(out, hq);
      sums.lpIn += await lpips.distance(lq, hq);
      sums.lpOut += await lpips.distance(out, hq);
      sums.idIn += await idd(identity, lq, hq);
      sums.idOut += await idd(identity, out, hq);
    }
    const m = (v: number) => (v / names.length).toFixed(4);
    console.log(`fidelity 1, eval-reference means: PSNR ${m(sums.psIn)} -> ${m(sums.psOut)}, SSIM ${m(sums.ssIn)} -> ${m(sums.ssOut)}, ` +
      `LPIPS ${m(sums.lpIn)} -> ${m(sums.lpOut)}, IDD ${m(sums.idIn)} -> ${m(sums.idOut)}`);
    expect(sums.psOut).toBeGreaterThan(sums.psIn);
    expect(sums.ssOut).toBeGreaterThan(sums.ssIn);
    expect(sums.lpOut).toBeLessThan(sums.lpIn);
    expect(sums.idOut).toBeLessThan(sums.idIn);
  });

  // The panel's Fidelity slider and the CLI's --fidelity should do something a retoucher can see: between 0 and 1
  // the output should move by a real share of what the restorer changes at all.
  it("changes the restoration with the fidelity input", async () => {
    let between = 0;
    let correction = 0;
    for (const name of names.slice(0, 3)) {
      const lq = await readRgb(join(ref, "lq", name));
      const input = { width: lq.width, height: lq.height, channels: 3 as const, bitDepth: 8 as const, data: lq.data };
      const at = async (fidelity: number) => (await restoreFaces(input, engine, { aligned: true, fidelity })).image.data as Uint8Array;
      const [quality, middle, faithful] = [await at(0), await at(0.5), await at(1)];
      for (let i = 0; i < lq.data.length; i++) {
        between += Math.abs(quality[i] - faithful[i]);
        correction += Math.abs(middle[i] - lq.data[i]);
      }
    }
    console.log(`fidelity 0 vs 1: ${(between / correction * 100).toFixed(1)}% of the mean correction`);
    expect(between / correction).toBeGreaterThan(FIDELITY_EFFECT_MIN);
  });
});
