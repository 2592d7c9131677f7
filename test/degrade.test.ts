import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { degrade, degradeWith } from "../core/degrade/degrade.js";
import { CLEAN_P, JITTER_P, sampleParams } from "../core/degrade/eq9.js";
import { gaussianBlur, resizeLinear } from "../core/degrade/ops.js";
import { Rng } from "../core/degrade/prng.js";
import { degradeDir } from "../core/cli/commands/degrade.js";
import { sharedRoot } from "../core/metrics/assets.js";
import { listImages } from "../core/metrics/files.js";
import { psnr } from "../core/metrics/psnr.js";
import { readRgb } from "../core/metrics/rgb.js";

const HQ = join(sharedRoot(), "data", "celebahq-512", "val", "images");

describe("seeded PRNG", () => {
  it("repeats per seed and differs across seeds", () => {
    const a = new Rng(7), b = new Rng(7), c = new Rng(8);
    const sa = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(sa);
  });

  it("normal() has mean 0 and std 1", () => {
    const r = new Rng("n");
    let s = 0, s2 = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(0.02);
  });
});

describe("eq. 9 parameters", () => {
  it("stay in the paper's ranges with 10% clean and 30% jitter", () => {
    const rng = new Rng(1);
    const n = 20_000;
    let clean = 0, jitter = 0;
    for (let i = 0; i < n; i++) {
      const p = sampleParams(rng);
      expect(p.sigma).toBeGreaterThanOrEqual(0.1);
      expect(p.sigma).toBeLessThanOrEqual(5);
      expect(p.r).toBeGreaterThanOrEqual(1);
      expect(p.r).toBeLessThanOrEqual(8);
      expect(p.delta).toBeGreaterThanOrEqual(0);
      expect(p.delta).toBeLessThanOrEqual(15);
      expect(Number.isInteger(p.q) && p.q >= 70 && p.q <= 100).toBe(true);
      if (p.clean) clean++;
      if (p.contrast !== 1) jitter++;
    }
    expect(Math.abs(clean / n - CLEAN_P)).toBeLessThan(0.01);
    expect(Math.abs(jitter / n - JITTER_P)).toBeLessThan(0.015);
  });
});

describe("degradation ops", () => {
  it("blur and bilinear resize preserve a constant image", () => {
    const img = { width: 9, height: 7, data: new Float32Array(9 * 7 * 3).fill(0.4) };
    for (const v of gaussianBlur(img, 2.5).data) expect(v).toBeCloseTo(0.4, 6);
    const small = resizeLinear(img, 3, 2);
    expect([small.width, small.height]).toEqual([3, 2]);
    for (const v of small.data) expect(v).toBeCloseTo(0.4, 6);
  });
});

describe("degrade", () => {
  it("is deterministic per seed and file, keeps the size, and lowers PSNR", async () => {
    const files = [...listImages(HQ).values()].slice(0, 3);
    expect(files.length).toBe(3);
    for (const f of files) {
      const hq = await readRgb(f);
      const a = await degrade(hq, 42, "face");
      const b = await degrade(hq, 42, "face");
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
      expect([a.image.width, a.image.height]).toEqual([hq.width, hq.height]);
      const c = await degrade(hq, 43, "face");
      expect(c.params).not.toEqual(a.params);
    }
    // Fixed, clearly degrading parameters: PSNR against the original must drop well below a clean copy's.
    const hq = await readRgb(files[0]);
    const p = { clean: false, sigma: 2, r: 4, delta: 10, q: 75, brightness: 0, contrast: 1, saturation: 1 };
    const lq = await degradeWith(hq, p, new Rng(0));
    const v = psnr(lq, hq);
    expect(v).toBeLessThan(30);
    expect(v).toBeGreaterThan(15);
    const milder = await degradeWith(hq, { ...p, sigma: 0.5, r: 1.5, delta: 2, q: 95 }, new Rng(0));
    expect(psnr(milder, hq)).toBeGreaterThan(v);
  });

  it("degradeDir writes same-named PNGs and the parameters, reproducibly", async () => {
    const out1 = mkdtempSync(join(tmpdir(), "sade-degrade-"));
    const out2 = mkdtempSync(join(tmpdir(), "sade-degrade-"));
    try {
      const src = mkdtempSync(join(tmpdir(), "sade-hq-"));
      const { copyFileSync } = await import("node:fs");
      const names = [...listImages(HQ).entries()].slice(0, 4);
      for (const [, f] of names) copyFileSync(f, join(src, f.split("/").pop()!));
      await degradeDir(src, out1, { seed: 5 });
      await degradeDir(src, out2, { seed: 5 });
      const written = listImages(out1);
      expect([...written.keys()]).toEqual(names.map(([n]) => n));
      for (const [n, f] of written) {
        expect(f.endsWith(".png")).toBe(true);
        expect(readFileSync(f).equals(readFileSync(join(out2, `${n}.png`)))).toBe(true);
      }
      const manifest = JSON.parse(readFileSync(join(out1, "degradations.json"), "utf8"));
      expect(manifest.seed).toBe(5);
      expect(Object.keys(manifest.images)).toHaveLength(4);
      rmSync(src, { recursive: true });
    } finally {
      rmSync(out1, { recursive: true });
      rmSync(out2, { recursive: true });
    }
  });
});
