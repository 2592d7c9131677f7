import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeEngine } from "../../core/models/node-engine";
import type { Engine } from "../../core/models/engine";
import { REPO, dataPath } from "../helpers/data";

// The shipped parser (models/parser.onnx) on real aligned faces it never trained on: CelebA-HQ val images
// (the parser trains on 800 of celebahq-512/train). Template points of the FFHQ 512 alignment.
const IMAGE_LEFT_EYE = [192.98, 239.95];
const IMAGE_RIGHT_EYE = [318.9, 240.19];
const MOUTH = [257.18, 371.28];
const FACIAL = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const shipped = existsSync(join(REPO, "models", "parser.onnx"));

let engine: Engine;

async function loadFace(file: string): Promise<{ input: Float32Array; rgb: Uint8Array }> {
  const rgb = new Uint8Array(await sharp(file).resize(512, 512).removeAlpha().raw().toBuffer());
  const input = new Float32Array(3 * 512 * 512);
  for (let i = 0; i < 512 * 512; i++) for (let c = 0; c < 3; c++) input[c * 512 * 512 + i] = rgb[i * 3 + c] / 127.5 - 1;
  return { input, rgb };
}

function centroid(labels: Uint8Array, classes: number[]): [number, number, number] {
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (classes.includes(labels[i])) {
      sx += i % 512;
      sy += Math.floor(i / 512);
      n++;
    }
  }
  return [sx / n, sy / n, n];
}

describe.skipIf(!shipped)("shipped parser model", () => {
  beforeAll(() => {
    engine = createNodeEngine();
  });
  afterAll(async () => engine?.release());

  const faces = readdirSync(dataPath("celebahq-512", "val", "images")).sort().slice(0, 6);

  it.each(faces)("parses %s: eyes at the template eyes, mouth at the template mouth, skin the largest part", async (name) => {
    const { input } = await loadFace(dataPath("celebahq-512", "val", "images", name));
    const out = await engine.run("parser", { input: { type: "float32", data: input, dims: [1, 3, 512, 512] } });
    const labels = out.labels.data as Uint8Array;
    expect(out.labels.dims).toEqual([1, 512, 512]);
    expect(out.probs.dims).toEqual([1, 19, 128, 128]);

    // CelebAMask-HQ names sides from the subject's point of view: the subject's left eye (4) and brow (6) lie on
    // the image's right.
    const [lx, ly, ln] = centroid(labels, [4]);
    const [rx, ry, rn] = centroid(labels, [5]);
    expect(ln).toBeGreaterThan(150);
    expect(rn).toBeGreaterThan(150);
    expect(Math.hypot(lx - IMAGE_RIGHT_EYE[0], ly - IMAGE_RIGHT_EYE[1])).toBeLessThan(25);
    expect(Math.hypot(rx - IMAGE_LEFT_EYE[0], ry - IMAGE_LEFT_EYE[1])).toBeLessThan(25);
    const [leftBrowX] = centroid(labels, [6]);
    const [rightBrowX] = centroid(labels, [7]);
    expect(leftBrowX).toBeGreaterThan(256);
    expect(rightBrowX).toBeLessThan(256);
    const [mx, my, mn] = centroid(labels, [10, 11, 12]);
    expect(mn).toBeGreaterThan(500);
    expect(Math.hypot(mx - MOUTH[0], my - MOUTH[1])).toBeLessThan(30);

    const counts = new Array(19).fill(0);
    for (const l of labels) counts[l]++;
    const largestFacial = FACIAL.reduce((best, c) => (c !== 13 && counts[c] > counts[best] ? c : best), 1);
    expect(largestFacial).toBe(1);

    // probs is a softmax at 1/4 resolution that agrees with labels.
    const probs = out.probs.data as Float32Array;
    const at = (c: number, y: number, x: number) => probs[c * 128 * 128 + y * 128 + x];
    let sum = 0;
    for (let c = 0; c < 19; c++) sum += at(c, 64, 64);
    expect(sum).toBeCloseTo(1, 3);
    const ey = Math.round(ry / 4), ex = Math.round(rx / 4);
    expect(at(4, ey, ex) + at(5, ey, ex)).toBeGreaterThan(0.5);
  });
});
