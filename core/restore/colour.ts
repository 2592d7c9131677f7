/**
 * Keeps the photo's colours: the restorer may drift in hue or brightness (TencentARC/GFPGAN#188, #161). The
 * restored crop keeps its detail, but takes its low-frequency chroma from the original crop, and its mean
 * brightness over the face; near-grey faces stay grey.
 */
import { runSteps, type Steps } from "../cooperate.js";
import { boxDownsample, gaussianBlur } from "../image/filter.js";
import { type Planar, samplePlane } from "../image/warp.js";

const toY = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
const toCb = (r: number, g: number, b: number) => -0.168736 * r - 0.331264 * g + 0.5 * b;
const toCr = (r: number, g: number, b: number) => 0.5 * r - 0.418688 * g - 0.081312 * b;

/** `weight` (crop-sized, 0..1) says where the face is: the luma mean is matched there. */
export function preserveColour(original: Planar, restored: Planar, weight: Float32Array): Planar {
  return runSteps(preserveColourSteps(original, restored, weight));
}

/** preserveColour as steps of 64 rows per pass (core/cooperate.ts); the same values. */
export function* preserveColourSteps(original: Planar, restored: Planar, weight: Float32Array): Steps<Planar> {
  const { width: w, height: h } = restored;
  const n = w * h;
  const sums: Sums = { dCb: new Float32Array(n), dCr: new Float32Array(n), wSum: 0, dY: 0, chromaSum: 0 };
  for (let y = 0; y < h; y += ROWS) {
    differenceRows(original, restored, weight, sums, y, Math.min(h, y + ROWS));
    yield;
  }
  const { wSum, dY, chromaSum } = sums;
  const lumaShift = wSum > 0 ? dY / wSum : 0;
  // A grey (or sepia-free monochrome) photo: no colour at all may appear.
  const grey = wSum > 0 && chromaSum / wSum < 1.5;
  const sw = w / F, sh = h / F;
  const low: Low = {
    cb: gaussianBlur(boxDownsample(sums.dCb, w, h, F), sw, sh, 4),
    cr: gaussianBlur(boxDownsample(sums.dCr, w, h, F), sw, sh, 4),
    lumaShift,
    grey,
  };
  yield;
  const out = new Float32Array(3 * n);
  for (let y = 0; y < h; y += ROWS) {
    correctRows(original, restored, low, out, y, Math.min(h, y + ROWS));
    yield;
  }
  return { width: w, height: h, channels: 3, data: out };
}

const ROWS = 64;
/** The chroma correction is carried at 1/F resolution. */
const F = 4;

interface Sums { dCb: Float32Array; dCr: Float32Array; wSum: number; dY: number; chromaSum: number }
interface Low { cb: Float32Array; cr: Float32Array; lumaShift: number; grey: boolean }

/** Rows [y0, y1): chroma differences per pixel, and the weighted sums for the luma shift and the grey test. */
function differenceRows(original: Planar, restored: Planar, weight: Float32Array, sums: Sums, y0: number, y1: number): void {
  const w = restored.width;
  const n = w * restored.height;
  const o = original.data, r = restored.data;
  const { dCb, dCr } = sums;
  let { wSum, dY, chromaSum } = sums;
  for (let i = y0 * w; i < y1 * w; i++) {
    const or = o[i], og = o[i + n], ob = o[i + 2 * n];
    const rr = r[i], rg = r[i + n], rb = r[i + 2 * n];
    const ocb = toCb(or, og, ob), ocr = toCr(or, og, ob);
    dCb[i] = ocb - toCb(rr, rg, rb);
    dCr[i] = ocr - toCr(rr, rg, rb);
    const wt = weight[i];
    wSum += wt;
    dY += wt * (toY(or, og, ob) - toY(rr, rg, rb));
    chromaSum += wt * (Math.abs(ocb) + Math.abs(ocr));
  }
  sums.wSum = wSum; sums.dY = dY; sums.chromaSum = chromaSum;
}

/** Rows [y0, y1) of the output: the restored luma (shifted), its chroma corrected at low frequency. */
function correctRows(original: Planar, restored: Planar, low: Low, out: Float32Array, y0: number, y1: number): void {
  const { width: w, height: h } = restored;
  const n = w * h;
  const o = original.data, r = restored.data;
  const sw = w / F, sh = h / F;
  const { lumaShift, grey } = low;
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const rr = r[i], rg = r[i + n], rb = r[i + 2 * n];
      const Y = toY(rr, rg, rb) + lumaShift;
      let cb: number, cr: number;
      if (grey) {
        cb = toCb(o[i], o[i + n], o[i + 2 * n]);
        cr = toCr(o[i], o[i + n], o[i + 2 * n]);
      } else {
        const sx = (x + 0.5) / F - 0.5, sy = (y + 0.5) / F - 0.5;
        cb = toCb(rr, rg, rb) + samplePlane(low.cb, sw, sh, 0, sx, sy);
        cr = toCr(rr, rg, rb) + samplePlane(low.cr, sw, sh, 0, sx, sy);
      }
      out[i] = Y + 1.402 * cr;
      out[i + n] = Y - 0.344136 * cb - 0.714136 * cr;
      out[i + 2 * n] = Y + 1.772 * cb;
    }
  }
}
