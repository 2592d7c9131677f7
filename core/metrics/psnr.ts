import { assertSameSize, type RgbImage } from "./rgb.js";

/** PSNR in dB over all RGB samples on the 0..255 scale, no border crop (BasicSR `calculate_psnr`). */
export function psnr(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, "psnr");
  let sum = 0;
  const n = a.data.length;
  for (let i = 0; i < n; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  const mse = sum / n;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}
