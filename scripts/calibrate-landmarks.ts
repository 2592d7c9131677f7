/**
 * Fits how our five points are made from the 68-point model's output so that they follow the RetinaFace / YuNet
 * convention that the FFHQ template was averaged from. For each of the five points, a weighted mean of a few
 * nearby iBUG-68 points plus an offset, all in the aligned (template) frame, by least squares against YuNet on a
 * calibration set that the benchmark does not use (CelebA-HQ val + FFHQ-256 by default), with the mean of YuNet's s and n variants as reference. Prints FIVE_POINT_MODEL
 * for core/face/detect.ts.
 *   npx tsx scripts/calibrate-landmarks.ts [N per set] [sets, comma-separated, relative to the data folder]
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { applyAffine, type Point } from "../core/face/affine.js";
import { alignmentFor, detectFaceList, FIVE_POINT_SOURCES, plainFivePoints } from "../core/face/detect.js";
import { decodeImage } from "../core/io/decode.js";
import { locateData } from "../core/io/data.js";
import { createNodeEngine } from "../core/models/node-engine.js";
import { Yunet } from "./yunet.js";

const n = Number(process.argv[2] ?? 150);
const data = locateData();
const sets = (process.argv[3] ?? "celebahq-512/val/images,ffhq-256").split(",").map((d) => path.join(data, d));
const engine = createNodeEngine();
// The mean of YuNet's two variants: each alone is a noisy reference (they disagree by ~0.1 eye distances on LFW).
const yunetS = await Yunet.load("yunet_s_dynamic.onnx");
const yunetN = await Yunet.load("yunet_n_dynamic.onnx");

const samples: { pts: Point[]; ref: Point[] }[] = [];
for (const dir of sets) {
  for (const f of readdirSync(dir).filter((x) => /\.(jpg|png)$/.test(x)).sort().slice(0, n)) {
    const img = await decodeImage(path.join(dir, f));
    const refs = await yunetS.detect(img);
    const twins = await yunetN.detect(img);
    if (refs.length !== 1 || twins.length !== 1) continue;
    refs[0].landmarks = refs[0].landmarks.map((p, k) => [(p[0] + twins[0].landmarks[k][0]) / 2, (p[1] + twins[0].landmarks[k][1]) / 2]);
    const ours = await detectFaceList(img, engine);
    if (refs.length !== 1 || ours.length < 1) continue;
    const five = plainFivePoints(ours[0].landmarks68 as Point[]);
    const m = alignmentFor(five);
    const ref = refs[0].landmarks.map((p) => applyAffine(m, p));
    if (Math.hypot(ref[0][0] - 193, ref[0][1] - 240) > 60) continue; // a different face
    samples.push({ pts: (ours[0].landmarks68 as Point[]).map((p) => applyAffine(m, p)), ref });
  }
}

/** Solves (A^T A + diag(lambda)) x = A^T b + lambda prior by Gaussian elimination. */
function leastSquares(rows: number[][], b: number[], lambda: number[], prior: number[]): number[] {
  const k = rows[0].length;
  const ata = Array.from({ length: k }, () => new Array(k).fill(0));
  const atb = new Array(k).fill(0);
  rows.forEach((r, i) => {
    for (let p = 0; p < k; p++) {
      atb[p] += r[p] * b[i];
      for (let q = 0; q < k; q++) ata[p][q] += r[p] * r[q];
    }
  });
  for (let p = 0; p < k; p++) { ata[p][p] += lambda[p]; atb[p] += lambda[p] * prior[p]; }
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(ata[r][c]) > Math.abs(ata[piv][c])) piv = r;
    [ata[c], ata[piv]] = [ata[piv], ata[c]];
    [atb[c], atb[piv]] = [atb[piv], atb[c]];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = ata[r][c] / ata[c][c];
      for (let q = c; q < k; q++) ata[r][q] -= f * ata[c][q];
      atb[r] -= f * atb[c];
    }
  }
  return atb.map((v, i) => v / ata[i][i]);
}

const model = FIVE_POINT_SOURCES.map((src, k) => {
  // Unknowns: one weight per source point (shared by x and y), then offsets bx, by.
  const rows: number[][] = [];
  const b: number[] = [];
  for (const s of samples) {
    rows.push([...src.map((j) => s.pts[j][0]), 1, 0]);
    b.push(s.ref[k][0]);
    rows.push([...src.map((j) => s.pts[j][1]), 0, 1]);
    b.push(s.ref[k][1]);
  }
  const prior = [...src.map(() => 1 / src.length), 0, 0];
  // Weights are pulled towards the plain mean; offsets are free.
  const x = leastSquares(rows, b, [...src.map(() => 1e4), 1e-6, 1e-6], prior);
  return { weights: x.slice(0, src.length).map((v) => +v.toFixed(4)), offset: [+x[src.length].toFixed(2), +x[src.length + 1].toFixed(2)] };
});
console.log(`faces ${samples.length}`);
console.log(`export const FIVE_POINT_MODEL = ${JSON.stringify(model)};`);
await engine.release();
await yunetS.release();
await yunetN.release();
