/**
 * Fits core/face/five-point-weights.ts: how our five points are read off the 68-point landmarks so that they
 * follow the RetinaFace / YuNet convention the FFHQ template was averaged from (core/face/five-point-model.ts).
 *
 * Calibration faces: FFHQ-256 and CelebA-HQ val (never the benchmark's wild photos), each shown once at a random
 * size (eye distance 16-110 px, log-uniform, the range the detector meets on LFW and group photos) and JPEG
 * quality (60-95), seeded. Reference: the mean of YuNet's s and n variants (each alone is noisy). Every face is
 * also used mirrored. The detector runs in rounds: the first with plain five points, each next one with the
 * model the previous round fitted, because the refinement crops are placed with the five points themselves.
 *
 *   npx tsx scripts/calibrate-landmarks.ts [--sets ffhq-256,celebahq-512/val/images] [--per-set N] [--rounds 2]
 *                                          [--lambda 100] [--seed 1] [--out core/face/five-point-weights.ts]
 */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { applyAffine, type Point } from "../core/face/affine.js";
import { detectFaceList, FLIP_68, fivePointsFrom68 } from "../core/face/detect.js";
import { calibrationFrame, type FivePointModel } from "../core/face/five-point-model.js";
import { decodeImage } from "../core/io/decode.js";
import { locateData } from "../core/io/data.js";
import { createNodeEngine } from "../core/models/node-engine.js";
import { Yunet } from "./yunet.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sets = arg("sets", "ffhq-256,celebahq-512/val/images").split(",");
const perSet = Number(arg("per-set", "100000"));
const rounds = Number(arg("rounds", "2"));
const lambda = Number(arg("lambda", "100"));
const out = arg("out", "core/face/five-point-weights.ts");
let seed = Number(arg("seed", "1"));
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};

const FLIP_5 = [1, 0, 2, 4, 3];

const engine = createNodeEngine();
const yunetS = await Yunet.load("yunet_s_dynamic.onnx");
const yunetN = await Yunet.load("yunet_n_dynamic.onnx");
const eyeDistance = (p: Point[]) => Math.hypot(p[1][0] - p[0][0], p[1][1] - p[0][1]);

// The calibration photos, decided once (size, quality) so that every round sees the same pixels.
const photos: { name: string; image: Awaited<ReturnType<typeof decodeImage>> }[] = [];
for (const set of sets) {
  const dir = path.join(locateData(), set);
  for (const f of readdirSync(dir).filter((x) => /\.(jpe?g|png)$/i.test(x)).sort().slice(0, perSet)) {
    const file = path.join(dir, f);
    const found = await yunetS.detect(await decodeImage(file));
    const eye = Math.exp(Math.log(16) + rand() * Math.log(110 / 16));
    const quality = Math.round(60 + rand() * 35);
    if (found.length !== 1) continue;
    const meta = await sharp(file).metadata();
    const s = Math.min(1, eye / eyeDistance(found[0].landmarks as Point[]));
    const jpeg = await sharp(file)
      .resize(Math.round(meta.width! * s), Math.round(meta.height! * s), { kernel: "lanczos3" })
      .jpeg({ quality }).toBuffer();
    photos.push({ name: `${set}/${f}`, image: await decodeImage(new Uint8Array(jpeg), f) });
  }
}

interface Sample { aligned: Point[]; plain: Point[]; ref: Point[] }

async function collect(model: FivePointModel | null): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (const { image } of photos) {
    const a = await yunetS.detect(image), b = await yunetN.detect(image);
    if (a.length !== 1 || b.length !== 1) continue;
    const ours = await detectFaceList(image, engine, { fivePointModel: model });
    if (ours.length < 1) continue;
    const ref = a[0].landmarks.map((p, k) => [(p[0] + b[0].landmarks[k][0]) / 2, (p[1] + b[0].landmarks[k][1]) / 2] as Point);
    const p68 = ours[0].landmarks68 as Point[];
    const { toFrame, aligned, plain } = calibrationFrame(p68);
    const r = ref.map((p) => applyAffine(toFrame, p));
    if (Math.hypot(r[0][0] - plain[0][0], r[0][1] - plain[0][1]) > 60) continue; // a different face
    samples.push({ aligned, plain, ref: r });
    // The mirror image: the same face seen the other way round, re-aligned.
    const mirrored68 = FLIP_68.map((j) => [512 - p68[j][0], p68[j][1]] as Point);
    const m = calibrationFrame(mirrored68);
    const mref = FLIP_5.map((j) => applyAffine(m.toFrame, [512 - ref[j][0], ref[j][1]]));
    samples.push({ aligned: m.aligned, plain: m.plain, ref: mref });
  }
  return samples;
}

/** Solves (A^T A + diag(reg)) X = A^T B for all columns of B by Gaussian elimination. */
function ridge(rows: Float64Array[], targets: Float64Array[], reg: number[]): number[][] {
  const k = rows[0].length, c = targets[0].length;
  const ata = Array.from({ length: k }, () => new Float64Array(k));
  const atb = Array.from({ length: k }, () => new Float64Array(c));
  rows.forEach((r, i) => {
    for (let p = 0; p < k; p++) {
      if (r[p] === 0) continue;
      for (let q = 0; q < k; q++) ata[p][q] += r[p] * r[q];
      for (let q = 0; q < c; q++) atb[p][q] += r[p] * targets[i][q];
    }
  });
  for (let p = 0; p < k; p++) ata[p][p] += reg[p];
  for (let col = 0; col < k; col++) {
    let piv = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(ata[r][col]) > Math.abs(ata[piv][col])) piv = r;
    [ata[col], ata[piv]] = [ata[piv], ata[col]];
    [atb[col], atb[piv]] = [atb[piv], atb[col]];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = ata[r][col] / ata[col][col];
      if (f === 0) continue;
      for (let q = col; q < k; q++) ata[r][q] -= f * ata[col][q];
      for (let q = 0; q < c; q++) atb[r][q] -= f * atb[col][q];
    }
  }
  return atb.map((row, i) => Array.from(row, (v) => v / ata[i][i]));
}

function fit(samples: Sample[]): FivePointModel {
  const mean = new Array(136).fill(0);
  for (const s of samples) s.aligned.forEach((q, i) => { mean[2 * i] += q[0] / samples.length; mean[2 * i + 1] += q[1] / samples.length; });
  const rows = samples.map((s) => {
    const x = new Float64Array(137);
    s.aligned.forEach((q, i) => { x[2 * i] = q[0] - mean[2 * i]; x[2 * i + 1] = q[1] - mean[2 * i + 1]; });
    x[136] = 1;
    return x;
  });
  const targets = samples.map((s) => Float64Array.from(s.ref.flatMap((q, k) => [q[0] - s.plain[k][0], q[1] - s.plain[k][1]])));
  const weights = ridge(rows, targets, [...new Array(136).fill(lambda), 0]);
  return { mean, weights, fitted: { faces: samples.length, lambda, error: 0 } };
}

/** Mean five-point distance over the reference's eye distance, in the calibration frame. */
function error(model: FivePointModel | null, samples: Sample[]): number {
  let sum = 0;
  for (const s of samples) {
    // The samples are already in the calibration frame, where re-aligning them is the identity.
    const pred = fivePointsFrom68(s.aligned, model);
    sum += pred.reduce((acc, q, k) => acc + Math.hypot(q[0] - s.ref[k][0], q[1] - s.ref[k][1]), 0) / 5 / eyeDistance(s.ref);
  }
  return sum / samples.length;
}

let model: FivePointModel | null = null;
for (let round = 0; round < rounds; round++) {
  const samples = await collect(model);
  // Two-fold check on this round's samples (pairs of a face and its mirror stay together).
  const half = (odd: number) => samples.filter((_, i) => (i >> 1) % 2 === odd);
  const heldOut = (error(fit(half(0)), half(1)) + error(fit(half(1)), half(0))) / 2;
  model = fit(samples);
  model.fitted.error = +heldOut.toFixed(4);
  console.log(`round ${round + 1}: ${samples.length} faces (with mirrors), plain five points ${error(null, samples).toFixed(4)}, ` +
    `fitted ${error(model, samples).toFixed(4)}, two-fold held out ${heldOut.toFixed(4)}`);
}

const round = (v: number) => +v.toFixed(5);
writeFileSync(out, `import type { FivePointModel } from "./five-point-model.js";

/**
 * Written by scripts/calibrate-landmarks.ts (${process.argv.slice(2).join(" ") || "defaults"}): ${model!.fitted.faces} calibration faces with
 * mirrors, ridge lambda ${lambda}, two-fold held-out error ${model!.fitted.error} eye distances.
 */
export const FIVE_POINT_MODEL: FivePointModel | null = ${JSON.stringify({
  mean: model!.mean.map(round),
  weights: model!.weights.map((r) => r.map(round)),
  fitted: model!.fitted,
})};
`);
console.log(`wrote ${out}`);
await engine.release();
await yunetS.release();
await yunetN.release();
