/** Small float filters on single planes (masks, colour corrections at crop resolution). */

export function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(sigma * 3));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    s += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

/** Separable Gaussian blur of a w x h plane, border replicated. Returns a new plane. */
export function gaussianBlur(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  if (sigma <= 0) return src.slice();
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        let xx = x + i;
        xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
        s += k[i + r] * src[row + xx];
      }
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) {
        let yy = y + i;
        yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
        s += k[i + r] * tmp[yy * w + x];
      }
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Mean over f x f blocks (w and h divisible by f). */
export function boxDownsample(src: Float32Array, w: number, h: number, f: number): Float32Array {
  const ow = Math.floor(w / f), oh = Math.floor(h / f);
  const out = new Float32Array(ow * oh);
  const inv = 1 / (f * f);
  for (let y = 0; y < oh * f; y++) {
    const orow = Math.floor(y / f) * ow;
    const row = y * w;
    for (let x = 0; x < ow * f; x++) out[orow + Math.floor(x / f)] += src[row + x];
  }
  for (let i = 0; i < out.length; i++) out[i] *= inv;
  return out;
}
