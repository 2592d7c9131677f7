// MATLAB's imresize (bicubic, a = -0.5, antialiasing when shrinking, symmetric padding), as BasicSR's
// `matlab_functions.imresize` reimplements it. NIQE's second scale is defined with it; other resamplers move NIQE
// by more than the tolerance we hold ourselves to.

function cubic(x: number): number {
  const a = Math.abs(x);
  const a2 = a * a;
  const a3 = a2 * a;
  if (a <= 1) return 1.5 * a3 - 2.5 * a2 + 1;
  if (a <= 2) return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
  return 0;
}

interface Taps {
  index: Int32Array; // outLen * p, already mirrored into [0, inLen)
  weight: Float64Array;
  p: number;
}

function symmetric(i: number, n: number): number {
  // MATLAB 'symmetric': -1 -> 0, n -> n-1
  for (;;) {
    if (i < 0) i = -i - 1;
    else if (i >= n) i = 2 * n - i - 1;
    else return i;
  }
}

function taps(inLen: number, outLen: number, scale: number, antialias: boolean): Taps {
  const shrink = scale < 1 && antialias;
  const kernelWidth = shrink ? 4 / scale : 4;
  const p = Math.ceil(kernelWidth) + 2;
  const index = new Int32Array(outLen * p);
  const weight = new Float64Array(outLen * p);
  for (let o = 0; o < outLen; o++) {
    const u = (o + 1) / scale + 0.5 * (1 - 1 / scale); // 1-based input coordinate
    const left = Math.floor(u - kernelWidth / 2);
    let sum = 0;
    for (let j = 0; j < p; j++) {
      const idx = left + j;
      const d = u - idx;
      const wgt = shrink ? scale * cubic(d * scale) : cubic(d);
      weight[o * p + j] = wgt;
      index[o * p + j] = symmetric(idx - 1, inLen);
      sum += wgt;
    }
    for (let j = 0; j < p; j++) weight[o * p + j] /= sum;
  }
  return { index, weight, p };
}

/** Resizes a single-channel float image by `scale` (output ceil(h*scale) x ceil(w*scale)), rows first. */
export function imresizeMatlab(
  src: Float64Array,
  width: number,
  height: number,
  scale: number,
  antialias = true,
): { data: Float64Array; width: number; height: number } {
  const oh = Math.ceil(height * scale);
  const ow = Math.ceil(width * scale);
  const th = taps(height, oh, scale, antialias);
  const tmp = new Float64Array(oh * width);
  for (let o = 0; o < oh; o++) {
    for (let j = 0; j < th.p; j++) {
      const wgt = th.weight[o * th.p + j];
      if (wgt === 0) continue;
      const row = th.index[o * th.p + j] * width;
      for (let x = 0; x < width; x++) tmp[o * width + x] += wgt * src[row + x];
    }
  }
  const tw = taps(width, ow, scale, antialias);
  const out = new Float64Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let o = 0; o < ow; o++) {
      let s = 0;
      for (let j = 0; j < tw.p; j++) s += tw.weight[o * tw.p + j] * tmp[y * width + tw.index[o * tw.p + j]];
      out[y * ow + o] = s;
    }
  }
  return { data: out, width: ow, height: oh };
}
