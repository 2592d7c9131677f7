import { describe, expect, it } from "vitest";
import { imresizeMatlab } from "../core/metrics/matlab-resize.js";
import { gamma, pinvSymmetric, roundHalfEven } from "../core/metrics/numeric.js";
import { parseNpy } from "../core/metrics/npy.js";
import { psnr } from "../core/metrics/psnr.js";
import { ssim } from "../core/metrics/ssim.js";
import { fitSimilarity, warpAffineBilinear, type Point } from "../core/metrics/similarity.js";
import { createRgb, type RgbImage } from "../core/metrics/rgb.js";

function noise(w: number, h: number, seed: number): RgbImage {
  const img = createRgb(w, h);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    img.data[i] = s >>> 24;
  }
  return img;
}

describe("metric building blocks", () => {
  it("psnr: infinite for identical images, 20*log10(255/d) for a constant offset", () => {
    const a = createRgb(16, 16);
    a.data.fill(100);
    const b = { ...a, data: a.data.map((v) => v + 5) };
    expect(psnr(a, a)).toBe(Infinity);
    expect(psnr(a, b)).toBeCloseTo(20 * Math.log10(255 / 5), 10);
  });

  it("ssim: 1 for identical images, lower for noise, symmetric", () => {
    const a = noise(40, 32, 1);
    const b = noise(40, 32, 2);
    expect(ssim(a, a)).toBeCloseTo(1, 12);
    expect(ssim(a, b)).toBeLessThan(0.2);
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 12);
  });

  it("gamma matches known values", () => {
    expect(gamma(5)).toBeCloseTo(24, 12);
    expect(gamma(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 12);
    expect(gamma(1 / 0.2) / gamma(3 / 0.2)).toBeCloseTo(24 / 87178291200, 20);
  });

  it("pinvSymmetric inverts a well-conditioned matrix and handles a singular one", () => {
    const m = new Float64Array([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const inv = pinvSymmetric(m, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += m[i * 3 + k] * inv[k * 3 + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    const singular = pinvSymmetric(new Float64Array([1, 1, 1, 1]), 2); // pinv = [[.25,.25],[.25,.25]]
    for (const v of singular) expect(v).toBeCloseTo(0.25, 10);
  });

  it("roundHalfEven rounds like numpy", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });

  it("MATLAB imresize keeps constants and halves the size with ceil", () => {
    const src = new Float64Array(7 * 5).fill(0.25);
    const out = imresizeMatlab(src, 7, 5, 0.5);
    expect([out.width, out.height]).toEqual([4, 3]);
    for (const v of out.data) expect(v).toBeCloseTo(0.25, 12);
  });

  it("parses a .npy header and float64 data (C and Fortran order)", () => {
    const make = (fortran: boolean, values: number[]) => {
      let header = `{'descr': '<f8', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (2, 3), }`;
      while ((10 + header.length + 1) % 64) header += " ";
      header += "\n";
      const bytes = new Uint8Array(10 + header.length + values.length * 8);
      bytes.set([0x93, ...Buffer.from("NUMPY"), 1, 0]);
      new DataView(bytes.buffer).setUint16(8, header.length, true);
      bytes.set(Buffer.from(header, "latin1"), 10);
      const dv = new DataView(bytes.buffer, 10 + header.length);
      values.forEach((v, i) => dv.setFloat64(i * 8, v, true));
      return bytes;
    };
    expect(Array.from(parseNpy(make(false, [1, 2, 3, 4, 5, 6])).data)).toEqual([1, 2, 3, 4, 5, 6]);
    const f = parseNpy(make(true, [1, 4, 2, 5, 3, 6]));
    expect(f.shape).toEqual([2, 3]);
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("fitSimilarity recovers an exact similarity; the warp samples where it should", () => {
    const angle = 0.3, scale = 0.5, tx = 10, ty = -4;
    const apply = ([x, y]: Point): Point => [
      scale * (Math.cos(angle) * x - Math.sin(angle) * y) + tx,
      scale * (Math.sin(angle) * x + Math.cos(angle) * y) + ty,
    ];
    const src: Point[] = [[0, 0], [10, 0], [3, 7], [8, 9]];
    const m = fitSimilarity(src, src.map(apply));
    expect(m[0]).toBeCloseTo(scale * Math.cos(angle), 10);
    expect(m[3]).toBeCloseTo(scale * Math.sin(angle), 10);
    expect(m[2]).toBeCloseTo(tx, 10);
    expect(m[5]).toBeCloseTo(ty, 10);
    // A pure integer translation copies pixels exactly.
    const img = noise(20, 20, 3);
    const moved = warpAffineBilinear(img, [1, 0, -2, 0, 1, -3], 10, 10);
    expect(moved.data[0]).toBe(img.data[(3 * 20 + 2) * 3]);
    expect(moved.data[(9 * 10 + 9) * 3 + 2]).toBe(img.data[(12 * 20 + 11) * 3 + 2]);
  });
});
