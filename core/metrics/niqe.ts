// NIQE (Mittal et al. 2013) exactly as BasicSR's `calculate_niqe`, the protocol of the BFR papers we compare to:
// Y channel (BT.601, rounded), no crop, 96x96 blocks, a 7x7 Gaussian local normalisation, 18 features per block
// at two scales (the second by MATLAB bicubic imresize 1/2), a multivariate Gaussian fitted over blocks and compared
// to the pristine model (niqe_pris_params.npz).
import { readNpz } from "./npy.js";
import { imresizeMatlab } from "./matlab-resize.js";
import { gamma, pinvSymmetric, roundHalfEven } from "./numeric.js";
import type { RgbImage } from "./rgb.js";

export interface NiqeParams {
  mu: Float64Array; // 36
  cov: Float64Array; // 36 x 36
  window: Float64Array; // k x k
  windowSize: number;
}

const BLOCK = 96;
const FEATURES = 36;

export async function loadNiqeParams(npzPath: string): Promise<NiqeParams> {
  const npz = await readNpz(npzPath);
  const mu = npz["mu_pris_param"];
  const cov = npz["cov_pris_param"];
  const win = npz["gaussian_window"];
  if (!mu || !cov || !win) {
    throw new Error(`${npzPath}: expected mu_pris_param, cov_pris_param and gaussian_window (BasicSR's niqe_pris_params.npz)`);
  }
  if (mu.data.length !== FEATURES || cov.data.length !== FEATURES * FEATURES) {
    throw new Error(`${npzPath}: expected a 36-D pristine model, got mu ${mu.shape} and cov ${cov.shape}`);
  }
  const k = win.shape[0];
  if (win.shape.length !== 2 || win.shape[1] !== k) throw new Error(`${npzPath}: gaussian_window must be square`);
  return { mu: mu.data, cov: cov.data, window: win.data, windowSize: k };
}

/** BasicSR `to_y_channel`: ITU-R BT.601 luma on the 16..235 scale, rounded like numpy. */
export function lumaY(img: RgbImage): Float64Array {
  const n = img.width * img.height;
  const y = new Float64Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    y[i] = roundHalfEven(16 + (65.481 * d[i * 3] + 128.553 * d[i * 3 + 1] + 24.966 * d[i * 3 + 2]) / 255);
  }
  return y;
}

/** scipy.ndimage.convolve(img, window, mode='nearest') for a symmetric window. */
function convolveNearest(src: Float64Array, w: number, h: number, win: Float64Array, k: number): Float64Array {
  const r = (k - 1) >> 1;
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const yy = Math.min(h - 1, Math.max(0, y + i - r));
        for (let j = 0; j < k; j++) {
          const xx = Math.min(w - 1, Math.max(0, x + j - r));
          s += win[(k - 1 - i) * k + (k - 1 - j)] * src[yy * w + xx];
        }
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

const GAM_COUNT = 9801; // numpy.arange(0.2, 10.001, 0.001)
let rGamTable: Float64Array | undefined;
function rGam(): Float64Array {
  if (!rGamTable) {
    rGamTable = new Float64Array(GAM_COUNT);
    for (let i = 0; i < GAM_COUNT; i++) {
      const g = 1 / (0.2 + i * 0.001);
      rGamTable[i] = gamma(2 * g) ** 2 / (gamma(g) * gamma(3 * g));
    }
  }
  return rGamTable;
}

/** Asymmetric generalised Gaussian fit by moment matching (returns alpha, beta_l, beta_r). */
function aggd(values: Float64Array): [number, number, number] {
  let sl = 0;
  let nl = 0;
  let sr = 0;
  let nr = 0;
  let sabs = 0;
  let ssq = 0;
  for (const v of values) {
    if (v < 0) {
      sl += v * v;
      nl++;
    } else if (v > 0) {
      sr += v * v;
      nr++;
    }
    sabs += Math.abs(v);
    ssq += v * v;
  }
  const n = values.length;
  const leftStd = Math.sqrt(nl ? sl / nl : NaN);
  const rightStd = Math.sqrt(nr ? sr / nr : NaN);
  const gh = leftStd / rightStd;
  const rhat = (sabs / n) ** 2 / (ssq / n);
  const rhatNorm = (rhat * (gh ** 3 + 1) * (gh + 1)) / (gh ** 2 + 1) ** 2;
  const table = rGam();
  let best = 0;
  let bestErr = Infinity;
  for (let i = 0; i < GAM_COUNT; i++) {
    const e = (table[i] - rhatNorm) ** 2;
    if (e < bestErr) {
      bestErr = e;
      best = i;
    }
  }
  const alpha = 0.2 + best * 0.001;
  const f = Math.sqrt(gamma(1 / alpha) / gamma(3 / alpha));
  return [alpha, leftStd * f, rightStd * f];
}

const SHIFTS: [number, number][] = [
  [0, 1],
  [1, 0],
  [1, 1],
  [1, -1],
];

function blockFeatures(block: Float64Array, bw: number, bh: number): number[] {
  const feat: number[] = [];
  const [a0, l0, r0] = aggd(block);
  feat.push(a0, (l0 + r0) / 2);
  const prod = new Float64Array(block.length);
  for (const [sy, sx] of SHIFTS) {
    // numpy.roll(block, (sy, sx), axis=(0, 1)): out[y, x] = block[y - sy, x - sx] (cyclic)
    for (let y = 0; y < bh; y++) {
      const yy = (((y - sy) % bh) + bh) % bh;
      for (let x = 0; x < bw; x++) {
        const xx = (((x - sx) % bw) + bw) % bw;
        prod[y * bw + x] = block[y * bw + x] * block[yy * bw + xx];
      }
    }
    const [a, l, r] = aggd(prod);
    feat.push(a, (r - l) * (gamma(2 / a) / gamma(1 / a)), l, r);
  }
  return feat;
}

/** NIQE of a single-channel image on the 0..255 scale (BasicSR `niqe`). Lower is better. */
export function niqeOfGray(src: Float64Array, width: number, height: number, params: NiqeParams): number {
  const nbh = Math.floor(height / BLOCK);
  const nbw = Math.floor(width / BLOCK);
  if (nbh < 1 || nbw < 1) throw new Error(`niqe: image must be at least ${BLOCK}x${BLOCK}, got ${width}x${height}`);
  let w = nbw * BLOCK;
  let h = nbh * BLOCK;
  let img = new Float64Array(w * h);
  for (let y = 0; y < h; y++) img.set(src.subarray(y * width, y * width + w), y * w);

  const rows: number[][] = [];
  for (let b = 0; b < nbh * nbw; b++) rows.push([]);
  for (const scale of [1, 2]) {
    const sq = img.map((v) => v * v);
    const mu = convolveNearest(img, w, h, params.window, params.windowSize);
    const musq = convolveNearest(sq, w, h, params.window, params.windowSize);
    const norm = new Float64Array(w * h);
    for (let i = 0; i < norm.length; i++) {
      const sigma = Math.sqrt(Math.abs(musq[i] - mu[i] * mu[i]));
      norm[i] = (img[i] - mu[i]) / (sigma + 1);
    }
    const bs = BLOCK / scale;
    let b = 0;
    for (let bx = 0; bx < nbw; bx++) {
      for (let by = 0; by < nbh; by++) {
        const block = new Float64Array(bs * bs);
        for (let y = 0; y < bs; y++) {
          const off = (by * bs + y) * w + bx * bs;
          block.set(norm.subarray(off, off + bs), y * bs);
        }
        rows[b++].push(...blockFeatures(block, bs, bs));
      }
    }
    if (scale === 1) {
      const half = imresizeMatlab(
        img.map((v) => v / 255),
        w,
        h,
        0.5,
      );
      img = half.data.map((v) => v * 255);
      w = half.width;
      h = half.height;
    }
  }

  // Multivariate Gaussian of the distorted image: nanmean for the mean, complete rows only for the covariance.
  const mean = new Float64Array(FEATURES);
  for (let f = 0; f < FEATURES; f++) {
    let s = 0;
    let c = 0;
    for (const r of rows) {
      if (!Number.isNaN(r[f])) {
        s += r[f];
        c++;
      }
    }
    mean[f] = c ? s / c : NaN;
  }
  const complete = rows.filter((r) => r.every((v) => !Number.isNaN(v)));
  const cm = new Float64Array(FEATURES);
  for (const r of complete) for (let f = 0; f < FEATURES; f++) cm[f] += r[f] / complete.length;
  const sum = new Float64Array(FEATURES * FEATURES);
  for (let i = 0; i < FEATURES; i++) {
    for (let j = 0; j < FEATURES; j++) {
      let s = 0;
      for (const r of complete) s += (r[i] - cm[i]) * (r[j] - cm[j]);
      const cov = complete.length > 1 ? s / (complete.length - 1) : NaN;
      sum[i * FEATURES + j] = (params.cov[i * FEATURES + j] + cov) / 2;
    }
  }
  const inv = pinvSymmetric(sum, FEATURES);
  const d = new Float64Array(FEATURES);
  for (let i = 0; i < FEATURES; i++) d[i] = params.mu[i] - mean[i];
  let q = 0;
  for (let i = 0; i < FEATURES; i++) for (let j = 0; j < FEATURES; j++) q += d[i] * inv[i * FEATURES + j] * d[j];
  return Math.sqrt(q);
}

export function niqe(img: RgbImage, params: NiqeParams): number {
  return niqeOfGray(lumaY(img), img.width, img.height, params);
}
