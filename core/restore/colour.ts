/**
 * Keeps the photo's colours: the restorer may drift in hue or brightness (TencentARC/GFPGAN#188, #161). The
 * restored crop keeps its detail, but takes its low-frequency chroma from the original crop, and its mean
 * brightness over the face; near-grey faces stay grey.
 */
import { boxDownsample, gaussianBlur } from "../image/filter.js";
import { type Planar, samplePlane } from "../image/warp.js";

const toY = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;
const toCb = (r: number, g: number, b: number) => -0.168736 * r - 0.331264 * g + 0.5 * b;
const toCr = (r: number, g: number, b: number) => 0.5 * r - 0.418688 * g - 0.081312 * b;

/** `weight` (crop-sized, 0..1) says where the face is: the luma mean is matched there. */
export function preserveColour(original: Planar, restored: Planar, weight: Float32Array): Planar {
  const { width: w, height: h } = restored;
  const n = w * h;
  const o = original.data, r = restored.data;
  const dCb = new Float32Array(n), dCr = new Float32Array(n);
  let wSum = 0, dY = 0, chromaSum = 0;
  for (let i = 0; i < n; i++) {
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
  const lumaShift = wSum > 0 ? dY / wSum : 0;
  // A grey (or sepia-free monochrome) photo: no colour at all may appear.
  const grey = wSum > 0 && chromaSum / wSum < 1.5;
  const f = 4;
  const sw = w / f, sh = h / f;
  const lowCb = gaussianBlur(boxDownsample(dCb, w, h, f), sw, sh, 4);
  const lowCr = gaussianBlur(boxDownsample(dCr, w, h, f), sw, sh, 4);
  const out = new Float32Array(3 * n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const rr = r[i], rg = r[i + n], rb = r[i + 2 * n];
      const Y = toY(rr, rg, rb) + lumaShift;
      let cb: number, cr: number;
      if (grey) {
        cb = toCb(o[i], o[i + n], o[i + 2 * n]);
        cr = toCr(o[i], o[i + n], o[i + 2 * n]);
      } else {
        const sx = (x + 0.5) / f - 0.5, sy = (y + 0.5) / f - 0.5;
        cb = toCb(rr, rg, rb) + samplePlane(lowCb, sw, sh, 0, sx, sy);
        cr = toCr(rr, rg, rb) + samplePlane(lowCr, sw, sh, 0, sx, sy);
      }
      out[i] = Y + 1.402 * cr;
      out[i + n] = Y - 0.344136 * cb - 0.714136 * cr;
      out[i + 2 * n] = Y + 1.772 * cb;
    }
  }
  return { width: w, height: h, channels: 3, data: out };
}
