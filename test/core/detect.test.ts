/**
 * The shipped detector (fr_detect + fr_landmark from faceplugin-face-recognition-js) on real photos: multi-face
 * photos, sideways phone photos, faces from ~20 px to the full frame, and five points that agree with YuNet (the
 * reference in ../shared/weights/yunet). docs/BENCHMARKS.md has the full measurement.
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Image } from "../../core/image/types.js";
import { warpImage } from "../../core/image/warp.js";
import type { Engine } from "../../core/models/engine.js";
import { createNodeEngine } from "../../core/models/node-engine.js";
import { detectFaces } from "../../core/pipeline.js";
import { Yunet } from "../../scripts/yunet.js";
import { celeba, cropImage, load, wild } from "../helpers/images.js";

let engine: Engine;
let yunet: Yunet;
beforeAll(async () => {
  engine = createNodeEngine();
  yunet = await Yunet.load();
});
afterAll(async () => {
  await engine.release();
  await yunet.release();
});

/** Scales and places `src` into `dst` (both 8-bit RGB) with its top-left at (x, y). */
function place(dst: Image, src: Image, x: number, y: number, scale: number): void {
  const w = Math.round(src.width * scale), h = Math.round(src.height * scale);
  const p = warpImage(src, [scale, 0, 0, 0, scale, 0], w, h);
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
    const o = ((y + j) * dst.width + x + i) * 3;
    for (let c = 0; c < 3; c++) dst.data[o + c] = Math.round(p.data[c * w * h + j * w + i]);
  }
}

function rgb(img: Image): Image {
  if (img.channels === 3) return img;
  const n = img.width * img.height, data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) data.fill(img.data[i * img.channels], i * 3, i * 3 + 3);
  return { ...img, channels: 3, data };
}

describe("detectFaces on real photos", () => {
  it("agrees with YuNet on LFW faces: the same faces, five points 0.15 eye distances apart on average", async () => {
    const files = readdirSync(wild("lfw-dev")).sort().slice(0, 16);
    let found = 0, total = 0, errSum = 0;
    for (const f of files) {
      const img = await load(wild("lfw-dev", f));
      const refs = (await yunet.detect(img)).filter((r) => r.box[0] > 0 && r.box[1] > 0 && r.box[2] < img.width && r.box[3] < img.height);
      const ours = await detectFaces(img, engine);
      for (const r of refs) {
        total++;
        const eye = Math.hypot(r.landmarks[1][0] - r.landmarks[0][0], r.landmarks[1][1] - r.landmarks[0][1]);
        const errs = ours.map((o) => o.landmarks.reduce((s, p, k) => s + Math.hypot(p[0] - r.landmarks[k][0], p[1] - r.landmarks[k][1]), 0) / 5 / eye);
        const best = Math.min(...errs);
        if (best < 0.5) { found++; errSum += best; }
      }
    }
    expect(found / total).toBeGreaterThanOrEqual(0.95);
    expect(errSum / found).toBeLessThan(0.15);
  });

  it("finds a background face that the photo's edge cuts, where YuNet finds it", async () => {
    // lfw-dev Lee_Soo-hyuck: the man behind on the right is cut by the right edge; the detector scores his box
    // below the usual proposal threshold, the confirming pass then accepts him.
    const img = await load(wild("lfw-dev", "Lee_Soo-hyuck_0001.jpg"));
    const ref = (await yunet.detect(img)).find((r) => r.box[2] > img.width);
    expect(ref, "YuNet's face at the right edge").toBeDefined();
    const faces = await detectFaces(img, engine);
    expect(faces).toHaveLength(2);
    const eye = Math.hypot(ref!.landmarks[1][0] - ref!.landmarks[0][0], ref!.landmarks[1][1] - ref!.landmarks[0][1]);
    const err = Math.min(...faces.map((o) => o.landmarks.reduce((s, p, k) => s + Math.hypot(p[0] - ref!.landmarks[k][0], p[1] - ref!.landmarks[k][1]), 0) / 5 / eye));
    expect(err).toBeLessThan(0.5);
  });

  it("finds the three faces of a real group photo", async () => {
    const faces = await detectFaces(await load(wild("whole", "10045.png")), engine);
    expect(faces).toHaveLength(3);
    // Left to right.
    for (let i = 1; i < faces.length; i++) expect(faces[i].box.x).toBeGreaterThanOrEqual(faces[i - 1].box.x);
  });

  it("finds the face of a sideways-stored phone selfie, upright after EXIF orientation", async () => {
    const img = await load(wild("selfies", "20200320.101220.jpg"));
    const faces = await detectFaces(img, engine);
    expect(faces).toHaveLength(1);
    const [le, re, , lm, rm] = faces[0].landmarks;
    expect((lm[1] + rm[1]) / 2).toBeGreaterThan((le[1] + re[1]) / 2 + 100);
    expect(faces[0].box.width).toBeGreaterThan(1000);
  });

  it("finds faces from ~20 px to the full frame in one photo (multi-scale tiling)", async () => {
    // Real faces (CelebA-HQ, face ~ 0.5 of the 512 crop) placed at several sizes on a 3000x2000 real background.
    const bg = rgb(await load(wild("whole", "00.jpg")));
    const canvas = cropImage(bg, 0, 0, 1200, 800);
    const big: Image = { width: 3000, height: 2000, channels: 3, bitDepth: 8, data: new Uint8Array(3000 * 2000 * 3) };
    place(big, canvas, 0, 0, 2.5);
    const face = rgb(await load(celeba(readdirSync(celeba("")).filter((f) => f.endsWith(".jpg")).sort()[3])));
    const widths = [22, 32, 48, 96, 240, 600]; // approximate face (box) widths in pixels
    const spots: [number, number][] = [];
    let x = 60;
    for (const w of widths) {
      const s = w / 260; // the face box is ~260 of the crop's 512 pixels
      place(big, face, x, 1000 - Math.round(256 * s), s);
      spots.push([x + 256 * s, 1000 - 256 * s + 300 * s]);
      x += Math.round(512 * s) + 60;
    }
    const found = await detectFaces(big, engine);
    for (let i = 0; i < widths.length; i++) {
      const [cx, cy] = spots[i];
      const hit = found.find((f) => Math.abs(f.box.x + f.box.width / 2 - cx) < widths[i] * 0.5 && Math.abs(f.box.width - widths[i]) < widths[i] * 0.5);
      expect(hit, `face of ~${widths[i]} px at ${cx.toFixed(0)},${cy.toFixed(0)}`).toBeDefined();
    }
    // And a face filling the frame.
    const full: Image = { width: 900, height: 900, channels: 3, bitDepth: 8, data: new Uint8Array(900 * 900 * 3) };
    place(full, face, 0, 0, 900 / 512);
    const one = await detectFaces(full, engine);
    expect(one).toHaveLength(1);
    expect(one[0].box.width).toBeGreaterThan(350);
  });

  it("finds no face where there is none", async () => {
    const img = cropImage(await load(wild("whole", "00.jpg")), 0, 1500, 420, 420);
    expect(await detectFaces(img, engine)).toHaveLength(0);
  });
});
