/**
 * The blend mask in crop (512) space: the parsed face region, feathered, intersected with a feathered square so
 * that neither a box edge nor the crop border can show (facexlib#32: the parse mask alone leaves a hard edge where
 * hair or skin reaches the crop border).
 */
import { boxDownsample, gaussianBlur } from "../image/filter.js";
import { samplePlane } from "../image/warp.js";
import { classMask } from "../parse/parse.js";

const SIZE = 512;

/** 1 inside, smooth ramp to 0 over the outer `ramp` pixels after a `margin` that is always 0. */
export function squareFeather(size = SIZE, margin = 6, ramp = 40): Float32Array {
  const axis = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const d = Math.min(i, size - 1 - i) - margin;
    const t = Math.min(1, Math.max(0, d / ramp));
    axis[i] = t * t * (3 - 2 * t); // smoothstep
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = Math.min(axis[x], axis[y]);
  return out;
}

/**
 * Feathered face-region mask: the face classes at 1/4 resolution, Gaussian-blurred (sigma 16 crop pixels, like
 * facexlib's two 101x101 sigma-11 passes), grown so that the face itself is fully covered, back at 512.
 */
export function parsedFaceMask(labels: Uint8Array, faceClasses: readonly number[]): Float32Array {
  const small = boxDownsample(classMask(labels, faceClasses), SIZE, SIZE, 4); // 128 x 128
  const blurred = gaussianBlur(small, 128, 128, 4);
  const out = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      // The blurred edge sits at 0.5 on the region boundary; stretch so the region interior is fully 1.
      const v = samplePlane(blurred, 128, 128, 0, (x + 0.5) / 4 - 0.5, (y + 0.5) / 4 - 0.5) * 2;
      out[y * SIZE + x] = v > 1 ? 1 : v;
    }
  }
  return out;
}

export function blendMask(labels: Uint8Array, faceClasses: readonly number[]): Float32Array {
  const parse = parsedFaceMask(labels, faceClasses);
  const square = squareFeather();
  for (let i = 0; i < parse.length; i++) if (square[i] < parse[i]) parse[i] = square[i];
  return parse;
}

/** A class mask softened by a pixel, for anti-aliased eye and mouth masks. */
export function softClassMask(labels: Uint8Array, classes: readonly number[]): Float32Array {
  return gaussianBlur(classMask(labels, classes), SIZE, SIZE, 1);
}
