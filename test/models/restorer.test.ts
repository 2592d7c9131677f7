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
// ../shared/eval-reference: at the default fidelity and at fidelity 1 (the faithful end a retoucher picks against
// identity drift) it must move PSNR, SSIM, LPIPS and IDD closer to the ground truth than the degraded input is.
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

  // The ten pairs, read once, with the input's own distances to the ground truth (the baseline of every test).
  type Scores = { ps: number; ss: number; lp: number; id: number };
  const pairs: { lq: RgbImage; hq: RgbImage; input: Scores }[] = [];
  const score = async (img: RgbImage, hq: RgbImage): Promise<Scores> => ({
    ps: psnr(img, hq),
    ss: ssim(img, hq),
    lp: await lpips.distance(img, hq),
    id: await idd(identity, img, hq),
  });
  const restore = async (lq: RgbImage, fidelity?: number): Promise<RgbImage> => {
    const result = await restoreFaces({ width: lq.width, height: lq.height, channels: 3, bitDepth: 8, data: lq.data }, engine, { aligned: true, fidelity });
    return { width: lq.width, height: lq.height, data: result.image.data as Uint8Array };
  };
  const mean = (rows: Scores[], k: keyof Scores) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  const m = (rows: Scores[], k: keyof Scores) => mean(rows, k).toFixed(4);

  // At the default fidelity.
  const restored: Scores[] = [];
  beforeAll(async () => {
    for (const name of names) {
      const lq = await readRgb(join(ref, "lq", name));
      const hq = await readRgb(join(ref, "hq", name));
      pairs.push({ lq, hq, input: await score(lq, hq) });
      restored.push(await score(await restore(lq), hq));
    }
    const inputs = pairs.map((p) => p.input);
    console.log(`eval-reference means: PSNR ${m(inputs, "ps")} -> ${m(restored, "ps")}, SSIM ${m(inputs, "ss")} -> ` +
      `${m(restored, "ss")}, LPIPS ${m(inputs, "lp")} -> ${m(restored, "lp")}, IDD ${m(inputs, "id")} -> ${m(restored, "id")}`);
  });

  it("improves LPIPS over the input on the eval-reference pairs", () => {
    expect(restored).toHaveLength(names.length);
    expect(mean(restored, "lp")).toBeLessThan(mean(pairs.map((p) => p.input), "lp"));
  });

  it("improves IDD over the input on the eval-reference pairs", () => {
    expect(mean(restored, "id")).toBeLessThan(mean(pairs.map((p) => p.input), "id"));
  });

  // Since v30 (perceptual terms on the high band only) the default also keeps the input's structure: on val-100
  // SSIM 0.7097 against the input's 0.7057 (v38: 0.7082). v28 failed this here (SSIM 0.6342 against 0.6404).
  it("at the default fidelity improves PSNR and SSIM over the input on the eval-reference pairs", () => {
    expect(mean(restored, "ps")).toBeGreaterThan(mean(pairs.map((p) => p.input), "ps"));
    expect(mean(restored, "ss")).toBeGreaterThan(mean(pairs.map((p) => p.input), "ss"));
  });

  // Since v20 the head adds learned noise (StyleGAN2's noise input): it must be the graph's fixed map, not drawn per
  // call, or a retoucher re-running a photo would get another face texture each time.
  it("restores the same face to the same pixels on every call", async () => {
    const lq = pairs[0].lq;
    const [a, b] = [await restore(lq), await restore(lq)];
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(Buffer.from(lq.data))).toBe(false);
  });

  // Since v13 the w = 1 end is trained to stay with the input (models/restorer.md): on val-100 it beats the input
  // on all five metrics. Here, on the ten pairs, the four that need no NIQE (the slowest metric) are checked. Ten
  // pairs guard against a regression, not the val-100 claim: v11 passed here (SSIM 0.6415 vs 0.6404) while missing
  // the input's SSIM on val-100; v28's default fidelity 0.5 failed here (SSIM 0.6342).
  it("at fidelity 1 improves PSNR, SSIM, LPIPS and IDD over the input on the eval-reference pairs", async () => {
    const faithful: Scores[] = [];
    for (const { lq, hq } of pairs) faithful.push(await score(await restore(lq, 1), hq));
    const inputs = pairs.map((p) => p.input);
    console.log(`fidelity 1, eval-reference means: PSNR ${m(inputs, "ps")} -> ${m(faithful, "ps")}, SSIM ${m(inputs, "ss")} -> ` +
      `${m(faithful, "ss")}, LPIPS ${m(inputs, "lp")} -> ${m(faithful, "lp")}, IDD ${m(inputs, "id")} -> ${m(faithful, "id")}`);
    expect(mean(faithful, "ps")).toBeGreaterThan(mean(inputs, "ps"));
    expect(mean(faithful, "ss")).toBeGreaterThan(mean(inputs, "ss"));
    expect(mean(faithful, "lp")).toBeLessThan(mean(inputs, "lp"));
    expect(mean(faithful, "id")).toBeLessThan(mean(inputs, "id"));
  });

  // The panel's Fidelity slider and the CLI's --fidelity should do something a retoucher can see: between 0 and 1
  // the output should move by a real share of what the restorer changes at all.
  it("changes the restoration with the fidelity input", async () => {
    let between = 0;
    let correction = 0;
    for (const { lq } of pairs.slice(0, 3)) {
      const at = async (fidelity: number) => (await restore(lq, fidelity)).data;
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
