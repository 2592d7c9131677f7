import { gaussianKernel } from "../degrade/ops.js";
import { assertSameSize, type RgbImage } from "./rgb.js";

const WINDOW = 11;
const SIGMA = 1.5;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;


/** Separable 'valid' filtering: output (h-10) x (w-10), i.e. the region BasicSR keeps after filter2D[5:-5, 5:-5]. */
function filterValid(src: Float64Array, w: number, h: number, k: Float64Array): Float64Array {
  const n = k.length;
  const ow = w - n + 1;
  const oh = h - n + 1;
  const tmp = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i] * src[row + x + i];
      tmp[y * ow + x] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += k[i] * tmp[(y + i) * ow + x];
      out[y * ow + x] = s;
    }
  }
  return out;
}

function channelSsim(a: Float64Array, b: Float64Array, w: number, h: number, k: Float64Array): number {
  const n = w * h;
  const aa = new Float64Array(n);
  const bb = new Float64Array(n);
  const ab = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = a[i] * a[i];
    bb[i] = b[i] * b[i];
    ab[i] = a[i] * b[i];
  }
  const mu1 = filterValid(a, w, h, k);
  const mu2 = filterValid(b, w, h, k);
  const s11 = filterValid(aa, w, h, k);
  const s22 = filterValid(bb, w, h, k);
  const s12 = filterValid(ab, w, h, k);
  let sum = 0;
  for (let i = 0; i < mu1.length; i++) {
    const m1 = mu1[i] * mu1[i];
    const m2 = mu2[i] * mu2[i];
    const m12 = mu1[i] * mu2[i];
    const v1 = s11[i] - m1;
    const v2 = s22[i] - m2;
    const v12 = s12[i] - m12;
    sum += ((2 * m12 + C1) * (2 * v12 + C2)) / ((m1 + m2 + C1) * (v1 + v2 + C2));
  }
  return sum / mu1.length;
}

/**
 * SSIM as BasicSR `calculate_ssim`: RGB on the 0..255 scale, 11x11 Gaussian window (sigma 1.5), valid region
 * only, mean of the SSIM map per channel, then mean over the three channels.
 */
export function ssim(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, "ssim");
  const { width: w, height: h } = a;
  if (w < WINDOW || h < WINDOW) throw new Error(`ssim: images must be at least ${WINDOW}x${WINDOW}, got ${w}x${h}`);
  const k = gaussianKernel(WINDOW, SIGMA);
  const n = w * h;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    const ca = new Float64Array(n);
    const cb = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ca[i] = a.data[i * 3 + c];
      cb[i] = b.data[i * 3 + c];
    }
    total += channelSsim(ca, cb, w, h, k);
  }
  return total / 3;
}
