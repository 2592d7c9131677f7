/**
 * Resampling of Image pixels into planar float RGB buffers (values on the 0..255 scale, 16-bit input keeps its
 * precision as fractions) and of planar float buffers back. Bicubic (Catmull-Rom) when enlarging, supersampled
 * bilinear when shrinking, so neither path aliases nor blurs more than it must.
 */
import type { Affine } from "../face/affine.js";
import { affineScale, invertAffine } from "../face/affine.js";
import { runSteps, type Steps } from "../cooperate.js";
import type { Image } from "./types.js";

/** Planar float RGB (or grey) buffer: plane c starts at c * width * height. */
export interface Planar {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export type Border = "replicate" | { constant: [number, number, number] };

const clampi = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** Reads colour of pixel (x, y) (clamped to the image), scaled to 0..255, into out[0..2]. */
function readRGB(img: Image, x: number, y: number, out: Float32Array | number[], scale: number): void {
  x = clampi(x, 0, img.width - 1);
  y = clampi(y, 0, img.height - 1);
  const c = img.channels;
  const i = (y * img.width + x) * c;
  const d = img.data;
  if (c <= 2) {
    const v = d[i] * scale;
    out[0] = v; out[1] = v; out[2] = v;
  } else {
    out[0] = d[i] * scale; out[1] = d[i + 1] * scale; out[2] = d[i + 2] * scale;
  }
}

const tmp = new Float64Array(3);
const px = [0, 0, 0];

function bilinearImage(img: Image, x: number, y: number, scale: number, out: Float64Array): void {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  out[0] = 0; out[1] = 0; out[2] = 0;
  for (let dy = 0; dy < 2; dy++) {
    const wy = dy ? fy : 1 - fy;
    if (wy === 0) continue;
    for (let dx = 0; dx < 2; dx++) {
      const w = (dx ? fx : 1 - fx) * wy;
      if (w === 0) continue;
      readRGB(img, x0 + dx, y0 + dy, px, scale);
      out[0] += w * px[0]; out[1] += w * px[1]; out[2] += w * px[2];
    }
  }
}

/** Catmull-Rom weights for fractional offset t. */
function cubicWeights(t: number, w: Float64Array): void {
  const t2 = t * t, t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1;
  w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
}

const wxs = new Float64Array(4), wys = new Float64Array(4);

function bicubicImage(img: Image, x: number, y: number, scale: number, out: Float64Array): void {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  cubicWeights(x - x0, wxs);
  cubicWeights(y - y0, wys);
  out[0] = 0; out[1] = 0; out[2] = 0;
  for (let j = 0; j < 4; j++) {
    for (let i = 0; i < 4; i++) {
      const w = wxs[i] * wys[j];
      readRGB(img, x0 - 1 + i, y0 - 1 + j, px, scale);
      out[0] += w * px[0]; out[1] += w * px[1]; out[2] += w * px[2];
    }
  }
}

export interface WarpOptions {
  border?: Border;
  /** Force a filter; by default bicubic when enlarging, supersampled bilinear when shrinking. */
  filter?: "auto" | "bilinear" | "bicubic";
}

interface WarpPlan {
  inv: Affine;
  /** Supersampling: n x n bilinear samples per output pixel (1: one bicubic or bilinear sample). */
  n: number;
  cubic: boolean;
  constant: [number, number, number] | null;
  scale: number;
  width: number;
  height: number;
  out: Float32Array;
}

function planWarp(img: Image, m: Affine, width: number, height: number, opts: WarpOptions): WarpPlan {
  const k = 1 / affineScale(m); // source pixels per output pixel
  const filter = opts.filter ?? "auto";
  const border = opts.border ?? "replicate";
  return {
    inv: invertAffine(m),
    cubic: filter === "bicubic" || (filter === "auto" && k < 1),
    n: filter === "auto" && k > 1.25 ? Math.min(8, Math.ceil(k)) : 1,
    constant: border === "replicate" ? null : border.constant,
    scale: img.bitDepth === 16 ? 255 / 65535 : 1,
    width,
    height,
    out: new Float32Array(width * height * 3),
  };
}

/** Output rows [v0, v1) of a warp. A plain function with its state in locals, which V8 optimises best. */
function warpRows(img: Image, p: WarpPlan, v0: number, v1: number): void {
  const { n, cubic, constant, scale, width, out } = p;
  const plane = width * p.height;
  const [a, b, tx, c, d, ty] = p.inv;
  const W = img.width, H = img.height;
  for (let v = v0; v < v1; v++) {
    for (let u = 0; u < width; u++) {
      let r = 0, g = 0, bl = 0;
      const sx = a * u + b * v + tx, sy = c * u + d * v + ty;
      if (constant && (sx < -0.5 || sy < -0.5 || sx > W - 0.5 || sy > H - 0.5)) {
        r = constant[0]; g = constant[1]; bl = constant[2];
      } else if (n === 1) {
        if (cubic) bicubicImage(img, sx, sy, scale, tmp);
        else bilinearImage(img, sx, sy, scale, tmp);
        r = tmp[0]; g = tmp[1]; bl = tmp[2];
      } else {
        for (let j = 0; j < n; j++) {
          const ov = (j + 0.5) / n - 0.5;
          for (let i = 0; i < n; i++) {
            const ou = (i + 0.5) / n - 0.5;
            bilinearImage(img, sx + a * ou + b * ov, sy + c * ou + d * ov, scale, tmp);
            r += tmp[0]; g += tmp[1]; bl += tmp[2];
          }
        }
        const inv2 = 1 / (n * n);
        r *= inv2; g *= inv2; bl *= inv2;
      }
      const o = v * width + u;
      out[o] = r; out[o + plane] = g; out[o + 2 * plane] = bl;
    }
  }
}

/**
 * Warps `img` by `m` (image coordinates -> output coordinates, pixel centres at integers, like OpenCV's
 * warpAffine) into a width x height planar RGB float buffer on the 0..255 scale.
 */
export function warpImage(img: Image, m: Affine, width: number, height: number, opts: WarpOptions = {}): Planar {
  const p = planWarp(img, m, width, height, opts);
  warpRows(img, p, 0, height);
  return { width, height, channels: 3, data: p.out };
}

/** warpImage as steps of one output row (core/cooperate.ts); the same pixels. */
export function* warpImageSteps(
  img: Image, m: Affine, width: number, height: number, opts: WarpOptions = {},
): Steps<Planar> {
  const p = planWarp(img, m, width, height, opts);
  for (let v = 0; v < height; v++) {
    warpRows(img, p, v, v + 1);
    yield;
  }
  return { width, height, channels: 3, data: p.out };
}

interface AreaPlan {
  x0: number;
  y0: number;
  outW: number;
  outH: number;
  kx: number;
  ky: number;
  /** Source columns [sx0, sx1) and rows [sy0, sy1) inside the image. */
  sx0: number;
  sx1: number;
  sy0: number;
  sy1: number;
  /** Output column of each source column. */
  colIndex: Int32Array;
  acc: Float32Array;
  cnt: Float32Array;
}

function planArea(img: Image, x0: number, y0: number, w: number, h: number, outW: number, outH: number): AreaPlan {
  const kx = w / outW, ky = h / outH;
  const sy0 = Math.max(0, Math.floor(y0)), sy1 = Math.min(img.height, Math.ceil(y0 + h));
  const sx0 = Math.max(0, Math.floor(x0)), sx1 = Math.min(img.width, Math.ceil(x0 + w));
  const colIndex = new Int32Array(Math.max(0, sx1 - sx0));
  for (let x = sx0; x < sx1; x++) colIndex[x - sx0] = clampi(Math.floor((x + 0.5 - x0) / kx), 0, outW - 1);
  const plane = outW * outH;
  return {
    x0, y0, outW, outH, kx, ky, sx0, sx1, sy0, sy1, colIndex, acc: new Float32Array(plane * 3), cnt: new Float32Array(plane),
  };
}

/** Adds source rows [y0, y1) into the plan's sums. */
function accumulateRows(img: Image, p: AreaPlan, yStart: number, yEnd: number): void {
  const { acc, cnt, colIndex, sx0, sx1, ky, outH } = p;
  const plane = p.outW * outH;
  const c = img.channels, d = img.data, W = img.width;
  const grey = c <= 2;
  const ow = p.outW;
  for (let y = yStart; y < yEnd; y++) {
    const rowBase = clampi(Math.floor((y + 0.5 - p.y0) / ky), 0, outH - 1) * ow;
    let i = (y * W + sx0) * c;
    const n = sx1 - sx0;
    if (grey) {
      for (let x = 0; x < n; x++, i += c) {
        const o = rowBase + colIndex[x];
        const v = d[i];
        acc[o] += v; acc[o + plane] += v; acc[o + 2 * plane] += v; cnt[o]++;
      }
    } else {
      for (let x = 0; x < n; x++, i += c) {
        const o = rowBase + colIndex[x];
        acc[o] += d[i]; acc[o + plane] += d[i + 1]; acc[o + 2 * plane] += d[i + 2]; cnt[o]++;
      }
    }
  }
}

/** The sums as means; `fill` where no source pixel fell. */
function areaResult(img: Image, p: AreaPlan, fill: [number, number, number]): Planar {
  const { acc, cnt, outW, outH } = p;
  const plane = outW * outH;
  const scale = img.bitDepth === 16 ? 255 / 65535 : 1;
  const out = new Float32Array(plane * 3);
  for (let o = 0; o < plane; o++) {
    const n = cnt[o];
    if (n > 0) {
      const s = scale / n;
      out[o] = acc[o] * s; out[o + plane] = acc[o + plane] * s; out[o + 2 * plane] = acc[o + 2 * plane] * s;
    } else {
      out[o] = fill[0]; out[o + plane] = fill[1]; out[o + 2 * plane] = fill[2];
    }
  }
  return { width: outW, height: outH, channels: 3, data: out };
}

/**
 * Box-filtered resample of the axis-aligned source rectangle (x0, y0, w, h) (may extend past the image: those
 * pixels get `fill`) to outW x outH. Each source pixel is read once, so shrinking a huge photo costs one pass over
 * its pixels and no full-size copy.
 */
export function areaResample(
  img: Image, x0: number, y0: number, w: number, h: number, outW: number, outH: number,
  fill: [number, number, number] = [0, 0, 0],
): Planar {
  const p = planArea(img, x0, y0, w, h, outW, outH);
  accumulateRows(img, p, p.sy0, p.sy1);
  return areaResult(img, p, fill);
}

/** areaResample as steps of 16 source rows (core/cooperate.ts); the same pixels. */
export function* areaResampleSteps(
  img: Image, x0: number, y0: number, w: number, h: number, outW: number, outH: number,
  fill: [number, number, number] = [0, 0, 0],
): Steps<Planar> {
  const p = planArea(img, x0, y0, w, h, outW, outH);
  for (let y = p.sy0; y < p.sy1; y += 16) {
    accumulateRows(img, p, y, Math.min(p.sy1, y + 16));
    yield;
  }
  return areaResult(img, p, fill);
}

/** Bilinear sample of one plane of a planar buffer, clamped at the border. */
export function samplePlane(data: Float32Array, w: number, h: number, offset: number, x: number, y: number): number {
  if (x < 0) x = 0; else if (x > w - 1) x = w - 1;
  if (y < 0) y = 0; else if (y > h - 1) y = h - 1;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  const fx = x - x0, fy = y - y0;
  const r0 = offset + y0 * w, r1 = offset + y1 * w;
  const top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * fx;
  const bot = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * fx;
  return top + (bot - top) * fy;
}

/** Catmull-Rom sample of one plane, clamped at the border. */
export function samplePlaneCubic(data: Float32Array, w: number, h: number, offset: number, x: number, y: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  cubicWeights(x - x0, wxs);
  cubicWeights(y - y0, wys);
  let s = 0;
  for (let j = 0; j < 4; j++) {
    const yy = clampi(y0 - 1 + j, 0, h - 1);
    const row = offset + yy * w;
    let rs = 0;
    for (let i = 0; i < 4; i++) rs += wxs[i] * data[row + clampi(x0 - 1 + i, 0, w - 1)];
    s += wys[j] * rs;
  }
  return s;
}

/** Grey (ITU-R BT.601 luma) plane of a planar RGB buffer. */
export function toGrey(p: Planar): Float32Array {
  const n = p.width * p.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.299 * p.data[i] + 0.587 * p.data[i + n] + 0.114 * p.data[i + 2 * n];
  return out;
}
