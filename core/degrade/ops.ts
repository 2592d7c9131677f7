// Pixel operations of eq. 9 on float RGB in [0, 1] (interleaved, 3 channels). They follow OpenCV's definitions
// (GaussianBlur with reflect-101, resize INTER_LINEAR with half-pixel centres) because the Python twin uses them.

export interface FloatRgb {
  width: number;
  height: number;
  data: Float32Array;
}

function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  for (;;) {
    if (i < 0) i = -i;
    else if (i >= n) i = 2 * n - 2 - i;
    else return i;
  }
}

/** Normalised 1-D Gaussian of a given odd size, in float64 (cv2.getGaussianKernel). */
export function gaussianKernel(size: number, sigma: number): Float64Array {
  const k = new Float64Array(size);
  const c = (size - 1) / 2;
  let s = 0;
  for (let i = 0; i < size; i++) {
    k[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    s += k[i];
  }
  for (let i = 0; i < size; i++) k[i] /= s;
  return k;
}

/** The kernel cv2.GaussianBlur uses for ksize 0: size 2*ceil(3 sigma) + 1. */
export function gaussianKernel1d(sigma: number): Float64Array {
  return gaussianKernel(2 * Math.ceil(3 * sigma) + 1, sigma);
}

/** cv2.GaussianBlur(img, (k, k), sigma, borderType=BORDER_REFLECT_101) with k = 2*ceil(3 sigma) + 1. */
export function gaussianBlur(img: FloatRgb, sigma: number): FloatRgb {
  const { width: w, height: h, data } = img;
  const k = gaussianKernel1d(sigma);
  const r = (k.length - 1) / 2;
  const xs = new Int32Array(w * k.length);
  for (let x = 0; x < w; x++) for (let i = 0; i < k.length; i++) xs[x * k.length + i] = reflect101(x + i - r, w);
  const tmp = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let i = 0; i < k.length; i++) {
        const o = (row + xs[x * k.length + i]) * 3;
        s0 += k[i] * data[o];
        s1 += k[i] * data[o + 1];
        s2 += k[i] * data[o + 2];
      }
      const o = (row + x) * 3;
      tmp[o] = s0;
      tmp[o + 1] = s1;
      tmp[o + 2] = s2;
    }
  }
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let i = 0; i < k.length; i++) {
        const o = (reflect101(y + i - r, h) * w + x) * 3;
        s0 += k[i] * tmp[o];
        s1 += k[i] * tmp[o + 1];
        s2 += k[i] * tmp[o + 2];
      }
      const o = (y * w + x) * 3;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
    }
  }
  return { width: w, height: h, data: out };
}

function linearTaps(src: number, dst: number): { i0: Int32Array; f: Float64Array } {
  const scale = src / dst;
  const i0 = new Int32Array(dst);
  const f = new Float64Array(dst);
  for (let d = 0; d < dst; d++) {
    let fx = (d + 0.5) * scale - 0.5;
    let sx = Math.floor(fx);
    fx -= sx;
    if (sx < 0) {
      sx = 0;
      fx = 0;
    }
    if (sx >= src - 1) {
      sx = src - 1;
      fx = 0;
    }
    i0[d] = sx;
    f[d] = fx;
  }
  return { i0, f };
}

/** cv2.resize(img, (ow, oh), interpolation=INTER_LINEAR): half-pixel centres, edge clamp, no antialiasing. */
export function resizeLinear(img: FloatRgb, ow: number, oh: number): FloatRgb {
  const { width: w, height: h, data } = img;
  const tx = linearTaps(w, ow);
  const ty = linearTaps(h, oh);
  const out = new Float32Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    const y0 = ty.i0[y];
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = ty.f[y];
    for (let x = 0; x < ow; x++) {
      const x0 = tx.i0[x];
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = tx.f[x];
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * w + x0) * 3 + c] * (1 - fx) + data[(y0 * w + x1) * 3 + c] * fx;
        const b = data[(y1 * w + x0) * 3 + c] * (1 - fx) + data[(y1 * w + x1) * 3 + c] * fx;
        out[(y * ow + x) * 3 + c] = a * (1 - fy) + b * fy;
      }
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Adds N(0, std^2) to every sample and clips to [0, 1]. */
export function addGaussianNoise(img: FloatRgb, std: number, normal: () => number): FloatRgb {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, img.data[i] + std * normal()));
  return { ...img, data: out };
}

/** Saturation about BT.601 grey, contrast about the image mean, then brightness; clipped to [0, 1]. */
export function colourJitter(img: FloatRgb, brightness: number, contrast: number, saturation: number): FloatRgb {
  if (brightness === 0 && contrast === 1 && saturation === 1) return img;
  const d = img.data;
  const out = new Float32Array(d.length);
  let sum = 0;
  for (let i = 0; i < d.length; i += 3) {
    const g = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    for (let c = 0; c < 3; c++) {
      out[i + c] = g + (d[i + c] - g) * saturation;
      sum += out[i + c];
    }
  }
  const mean = sum / d.length;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, (out[i] - mean) * contrast + mean + brightness));
  return { ...img, data: out };
}
