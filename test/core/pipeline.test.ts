/**
 * restoreFaces end to end on real photos, with fixture parser/restorer models (the trained ones land later) and
 * the real detector and landmark models.
 */
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Image, Mask } from "../../core/image/types.js";
import type { Engine } from "../../core/models/engine.js";
import { createNodeEngine } from "../../core/models/node-engine.js";
import { restoreFaces } from "../../core/pipeline.js";
import { celeba, changedPixels, cropImage, fixtureModels, load, meanColour, wild } from "../helpers/images.js";

let smooth: Engine, identity: Engine, tint: Engine;
let blake: Image; // two faces
let blakeResult: Awaited<ReturnType<typeof restoreFaces>>;

beforeAll(async () => {
  smooth = createNodeEngine({ modelsDir: fixtureModels("smooth") });
  identity = createNodeEngine({ modelsDir: fixtureModels("identity") });
  tint = createNodeEngine({ modelsDir: fixtureModels("tint") });
  blake = await load(wild("whole", "Blake_Lively.jpg"));
  blakeResult = await restoreFaces(blake, smooth, { fidelity: 0 });
});
afterAll(async () => {
  await Promise.all([smooth.release(), identity.release(), tint.release()]);
});

const inBox = (m: Mask, x: number, y: number) => x >= m.x && y >= m.y && x < m.x + m.width && y < m.y + m.height;

describe("restoreFaces on a real two-face photo", () => {
  it("restores both faces and returns boxes, landmarks, scores and masks in image coordinates", () => {
    const r = blakeResult;
    expect(r.faces).toHaveLength(2);
    expect(r.image.width).toBe(blake.width);
    expect(r.image.channels).toBe(3);
    for (const f of r.faces) {
      expect(f.landmarks).toHaveLength(5);
      expect(f.score).toBeGreaterThan(0.7);
      const [le, re, nose, lm, rm] = f.landmarks;
      expect(le[0]).toBeLessThan(re[0]);
      expect(lm[0]).toBeLessThan(rm[0]);
      expect(nose[1]).toBeGreaterThan((le[1] + re[1]) / 2);
      expect((lm[1] + rm[1]) / 2).toBeGreaterThan(nose[1]);
      for (const kind of ["eyes", "mouth", "face"] as const) {
        const m = f.masks[kind];
        expect(m.data.length).toBe(m.width * m.height);
        expect(m.data.some((v) => v > 200)).toBe(true);
      }
      // The eye mask is on the eyes, the mouth mask on the mouth.
      const centroid = (m: Mask) => {
        let sx = 0, sy = 0, s = 0;
        for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) {
          const v = m.data[y * m.width + x]; sx += v * (x + m.x); sy += v * (y + m.y); s += v;
        }
        return [sx / s, sy / s];
      };
      const eyes = centroid(f.masks.eyes), mouth = centroid(f.masks.mouth);
      const eyeDist = Math.hypot(re[0] - le[0], re[1] - le[1]);
      expect(Math.hypot(eyes[0] - (le[0] + re[0]) / 2, eyes[1] - (le[1] + re[1]) / 2)).toBeLessThan(0.25 * eyeDist);
      expect(Math.hypot(mouth[0] - (lm[0] + rm[0]) / 2, mouth[1] - (lm[1] + rm[1]) / 2)).toBeLessThan(0.35 * eyeDist);
    }
    expect(Object.keys(r.timings)).toEqual(expect.arrayContaining(["detect", "align", "parse", "restore", "paste", "total"]));
  });

  it("changes pixels only where the face mask is on: no box edge, background untouched", () => {
    const r = blakeResult;
    const changed = changedPixels(blake, r.image);
    expect(changed.length).toBeGreaterThan(1000);
    for (const i of changed) {
      const x = i % blake.width, y = Math.floor(i / blake.width);
      const on = r.faces.some((f) => inBox(f.masks.face, x, y) && f.masks.face.data[(y - f.masks.face.y) * f.masks.face.width + x - f.masks.face.x] > 0);
      expect(on, `pixel ${x},${y} changed outside every face mask`).toBe(true);
    }
    // Feathered: along the face mask's border the change fades (no step from full change to none).
    const f = r.faces[0].masks.face;
    const values = new Set(f.data);
    expect(values.size).toBeGreaterThan(100);
  });

  it("keeps the photo's colours even when the restorer shifts them", async () => {
    const r = await restoreFaces(blake, tint);
    const f = r.faces[0].masks.face;
    const inside = (x: number, y: number) => inBox(f, x, y) && f.data[(y - f.y) * f.width + x - f.x] > 200;
    const before = meanColour(blake, inside), after = meanColour(r.image, inside);
    // The tint fixture adds about +32 red, -19 blue (0..255); what reaches the photo is a small fraction of that.
    for (let k = 0; k < 3; k++) expect(Math.abs(after[k] - before[k])).toBeLessThan(3);
  });

  it("strength 0 changes nothing; strength 0.5 lands halfway", async () => {
    const zero = await restoreFaces(blake, smooth, { strength: 0, fidelity: 0 });
    expect(changedPixels(blake, zero.image)).toHaveLength(0);
    const half = await restoreFaces(blake, smooth, { strength: 0.5, fidelity: 0 });
    let dFull = 0, dHalf = 0;
    for (let i = 0; i < blake.data.length; i++) {
      dFull += Math.abs(blakeResult.image.data[i] - blake.data[i]);
      dHalf += Math.abs(half.image.data[i] - blake.data[i]);
    }
    expect(dHalf / dFull).toBeGreaterThan(0.4);
    expect(dHalf / dFull).toBeLessThan(0.6);
  });
});

describe("region and face selection", () => {
  it("a rectangle restores only the face inside it and leaves every outside pixel identical", async () => {
    const face = blakeResult.faces.find((f) => f.box.x > blake.width / 2)!;
    const region = { x: Math.floor(face.box.x - 10), y: Math.floor(face.box.y - 10), width: Math.ceil(face.box.width + 20), height: Math.ceil(face.box.height + 20) };
    const r = await restoreFaces(blake, smooth, { region, fidelity: 0 });
    expect(r.faces).toHaveLength(1);
    // The other face is either not searched for (far from the region) or reported as outside it.
    for (const sk of r.skipped) expect(sk.reason).toBe("outside the region");
    const changed = changedPixels(blake, r.image);
    expect(changed.length).toBeGreaterThan(1000);
    for (const i of changed) {
      const x = i % blake.width, y = Math.floor(i / blake.width);
      expect(x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height).toBe(true);
    }
  });

  it("a grey mask region: restores the face under it, and pixels where it is 0 stay identical", async () => {
    const face = blakeResult.faces.find((f) => f.box.x < blake.width / 2)!;
    const cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2, rad = face.box.width * 0.6;
    const data = new Uint8Array(blake.width * blake.height);
    for (let y = 0; y < blake.height; y++) for (let x = 0; x < blake.width; x++) {
      const d = Math.hypot(x - cx, y - cy) / rad;
      data[y * blake.width + x] = d < 0.8 ? 255 : d < 1 ? Math.round(255 * (1 - d) / 0.2) : 0; // soft edge
    }
    const r = await restoreFaces(blake, smooth, { region: { x: 0, y: 0, width: blake.width, height: blake.height, data }, fidelity: 0 });
    expect(r.faces.map((f) => Math.round(f.box.x))).toEqual([Math.round(face.box.x)]);
    const changed = changedPixels(blake, r.image);
    expect(changed.length).toBeGreaterThan(1000);
    for (const i of changed) expect(data[i]).toBeGreaterThan(0);
  });

  it("faceIndices and minFaceSize skip faces and say why", async () => {
    const only1 = await restoreFaces(blake, smooth, { faceIndices: [1] });
    expect(only1.faces.map((f) => f.index)).toEqual([1]);
    expect(only1.skipped).toEqual([expect.objectContaining({ index: 0, reason: "not selected" })]);
    const big = await restoreFaces(blake, smooth, { minFaceSize: 5000 });
    expect(big.faces).toHaveLength(0);
    expect(big.skipped).toHaveLength(2);
    expect(big.skipped[0].reason).toMatch(/too small/);
    expect(changedPixels(blake, big.image)).toHaveLength(0);
  });
});

describe("depth, alpha, grey", () => {
  it("16-bit in gives 16-bit out, with 16-bit precision in the face and identical pixels elsewhere", async () => {
    const data = new Uint16Array(blake.data.length);
    for (let i = 0; i < data.length; i++) data[i] = blake.data[i] * 257 + ((i * 7919) % 251);
    const img16: Image = { ...blake, bitDepth: 16, data };
    const r = await restoreFaces(img16, smooth, { fidelity: 0 });
    expect(r.image.bitDepth).toBe(16);
    expect(r.image.data).toBeInstanceOf(Uint16Array);
    expect(r.faces).toHaveLength(2);
    const changed = changedPixels(img16, r.image);
    expect(changed.length).toBeGreaterThan(1000);
    // Values between 8-bit steps appear: the face was not squeezed through 8 bits.
    const off8 = changed.filter((i) => r.image.data[i * 3] % 257 !== 0).length;
    expect(off8 / changed.length).toBeGreaterThan(0.9);
  });

  it("alpha is carried untouched", async () => {
    const n = blake.width * blake.height;
    const rgba = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      rgba.set(blake.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = (i * 13) % 256;
    }
    const img: Image = { ...blake, channels: 4, data: rgba };
    const r = await restoreFaces(img, smooth, { fidelity: 0 });
    expect(r.image.channels).toBe(4);
    expect(r.faces).toHaveLength(2);
    for (let i = 0; i < n; i++) if (r.image.data[i * 4 + 3] !== rgba[i * 4 + 3]) throw new Error(`alpha changed at ${i}`);
    expect(changedPixels(img, r.image).length).toBeGreaterThan(1000);
  });

  it("a grey photo stays grey (one channel)", async () => {
    const n = blake.width * blake.height;
    const grey = new Uint8Array(n);
    for (let i = 0; i < n; i++) grey[i] = Math.round(0.299 * blake.data[i * 3] + 0.587 * blake.data[i * 3 + 1] + 0.114 * blake.data[i * 3 + 2]);
    const img: Image = { ...blake, channels: 1, data: grey };
    const r = await restoreFaces(img, tint, {});
    expect(r.image.channels).toBe(1);
    expect(r.faces).toHaveLength(2);
    expect(changedPixels(img, r.image).length).toBeGreaterThan(500);
  });
});

describe("no face, aligned input, alignment round trip, cancel", () => {
  it("a photo with no face comes back unchanged", async () => {
    // The bottom-left of a real street photo: no face there.
    const img = cropImage(await load(wild("whole", "00.jpg")), 0, 1500, 420, 420);
    const r = await restoreFaces(img, smooth);
    expect(r.faces).toHaveLength(0);
    expect(r.skipped).toHaveLength(0);
    expect(changedPixels(img, r.image)).toHaveLength(0);
  });

  it("aligned mode restores the whole 512 crop without detection", async () => {
    const img = await load(celeba(readdirSync(celeba("")).filter((f) => f.endsWith(".jpg")).sort()[0]));
    const stages = new Set<string>();
    const r = await restoreFaces(img, smooth, { aligned: true, fidelity: 0, onProgress: (p) => stages.add(p.stage) });
    expect(stages.has("detect")).toBe(false);
    expect(r.faces).toHaveLength(1);
    expect(r.faces[0].masks.face.width).toBe(512);
    expect(r.timings.detect).toBe(0);
    expect(changedPixels(img, r.image).length).toBeGreaterThan(10000);
  });

  it("alignment round trip: crop and paste back through the inverse warp lands within 0.5 px", async () => {
    // With an identity restorer the pasted face must sit exactly where it was: measure the residual shift between
    // the original and the round-tripped face by one Lucas-Kanade step.
    const img = await load(wild("lfw-dev", "Aaron_Patterson_0001.jpg"));
    const r = await restoreFaces(img, identity);
    expect(r.faces).toHaveLength(1);
    const f = r.faces[0];
    const fm = f.masks.face;
    let sxx = 0, sxy = 0, syy = 0, bx = 0, by = 0, sad = 0, count = 0;
    const g = (im: Image, x: number, y: number) => im.data[(y * im.width + x) * im.channels];
    for (let y = fm.y + 1; y < fm.y + fm.height - 1; y++) for (let x = fm.x + 1; x < fm.x + fm.width - 1; x++) {
      if (fm.data[(y - fm.y) * fm.width + x - fm.x] < 250) continue;
      const ix = (g(img, x + 1, y) - g(img, x - 1, y)) / 2, iy = (g(img, x, y + 1) - g(img, x, y - 1)) / 2;
      const it = g(r.image, x, y) - g(img, x, y);
      sxx += ix * ix; sxy += ix * iy; syy += iy * iy; bx += ix * it; by += iy * it;
      sad += Math.abs(it); count++;
    }
    const det = sxx * syy - sxy * sxy;
    const dx = -(syy * bx - sxy * by) / det, dy = -(sxx * by - sxy * bx) / det;
    expect(count).toBeGreaterThan(2000);
    if (process.env.SADE_VERBOSE) console.log(`round trip shift ${dx.toFixed(3)}, ${dy.toFixed(3)} px; mean |diff| ${(sad / count).toFixed(2)}`);
    expect(Math.hypot(dx, dy)).toBeLessThan(0.5);
    expect(sad / count).toBeLessThan(4); // two resamplings of a 250 px photo: a little softening, no misregistration
  });

  it("an aborted signal stops the work with an AbortError", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(restoreFaces(blake, smooth, { signal: ac.signal })).rejects.toMatchObject({ name: "AbortError" });
    const ac2 = new AbortController();
    const p = restoreFaces(blake, smooth, { signal: ac2.signal, onProgress: (e) => { if (e.stage === "parse") ac2.abort(); } });
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });

  it("reports progress through every stage, in order", async () => {
    const events: { stage: string; fraction: number }[] = [];
    await restoreFaces(blake, smooth, { onProgress: (p) => events.push(p) });
    const stages = [...new Set(events.map((e) => e.stage))];
    expect(stages).toEqual(["detect", "align", "parse", "restore", "paste"]);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events[events.length - 1].fraction).toBeCloseTo(1, 5);
  });
});
