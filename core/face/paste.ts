/**
 * Paste-back: the restored crop goes back through the inverse alignment, blended by a crop-space mask. Only
 * pixels whose blend weight is above zero are written, so everything else (alpha included) stays bit for bit.
 */
import type { Steps } from "../cooperate.js";
import type { Image, Mask, Rect } from "../image/types.js";
import { isMask } from "../image/types.js";
import { type Planar, samplePlane, samplePlaneCubic } from "../image/warp.js";
import { type Affine, affineScale, invertAffine, transformedBounds } from "./affine.js";

export interface PixelBounds { x0: number; y0: number; x1: number; y1: number } // x1, y1 exclusive

/** The crop-space rectangle [u0, v0, u1, v1) where a size x size mask is above zero, or null. */
export function nonZeroBounds(mask: Float32Array, size: number): [number, number, number, number] | null {
  let u0 = size, v0 = size, u1 = -1, v1 = -1;
  for (let v = 0; v < size; v++) {
    const row = v * size;
    for (let u = 0; u < size; u++) {
      if (mask[row + u] > 0) {
        if (u < u0) u0 = u;
        if (u > u1) u1 = u;
        if (v < v0) v0 = v;
        if (v > v1) v1 = v;
      }
    }
  }
  return u1 < 0 ? null : [u0, v0, u1 + 1, v1 + 1];
}

/**
 * Image pixels a crop of `size` covers through `toCrop` (or only its sub-rectangle `part`), clipped to the image
 * and to the region's bounds.
 */
export function cropBounds(
  toCrop: Affine, size: number, width: number, height: number, region?: Rect | Mask,
  part: [number, number, number, number] = [0, 0, size, size],
): PixelBounds | null {
  const inv = invertAffine(toCrop);
  // Pixel centres at integers: the part spans [u0 - 0.5, u1 - 0.5] in crop coordinates.
  const shifted: Affine = [inv[0], inv[1], inv[0] * (part[0] - 0.5) + inv[1] * (part[1] - 0.5) + inv[2],
    inv[3], inv[4], inv[3] * (part[0] - 0.5) + inv[4] * (part[1] - 0.5) + inv[5]];
  const b = transformedBounds(shifted, part[2] - part[0], part[3] - part[1]);
  let x0 = Math.max(0, Math.floor(b.x0 - 1)), y0 = Math.max(0, Math.floor(b.y0 - 1));
  let x1 = Math.min(width, Math.ceil(b.x1 + 1)), y1 = Math.min(height, Math.ceil(b.y1 + 1));
  if (region) {
    x0 = Math.max(x0, Math.floor(region.x)); y0 = Math.max(y0, Math.floor(region.y));
    x1 = Math.min(x1, Math.ceil(region.x + region.width)); y1 = Math.min(y1, Math.ceil(region.y + region.height));
  }
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

/** Weight (0..1) of the region at pixel (x, y): 1 inside a rectangle, the mask's value scaled, 0 outside. */
export function regionWeight(region: Rect | Mask | undefined, x: number, y: number): number {
  if (!region) return 1;
  if (isMask(region)) {
    const mx = x - region.x, my = y - region.y;
    if (mx < 0 || my < 0 || mx >= region.width || my >= region.height) return 0;
    return region.data[my * region.width + mx] / 255;
  }
  return x >= region.x && y >= region.y && x < region.x + region.width && y < region.y + region.height ? 1 : 0;
}

/** Bilinear sample of a crop-space mask, 0 outside the crop. */
function maskAt(mask: Float32Array, size: number, u: number, v: number): number {
  if (u < -0.5 || v < -0.5 || u > size - 0.5 || v > size - 0.5) return 0;
  return samplePlane(mask, size, size, 0, u, v);
}

export interface PasteOptions {
  strength: number;
  region?: Rect | Mask;
}

/**
 * Blends `crop` (planar 0..255, `size` square) into `target` in place through `toCrop` (image -> crop). Returns
 * the bounds written, or null when nothing was.
 */
export function pasteCrop(target: Image, crop: Planar, blend: Float32Array, toCrop: Affine, opts: PasteOptions): PixelBounds | null {
  const bounds = pasteBounds(target, crop, blend, toCrop, opts);
  if (bounds) pasteRows(target, crop, blend, toCrop, opts, bounds, bounds.y0, bounds.y1);
  return bounds;
}

/** pasteCrop as steps of 8 image rows (core/cooperate.ts); the same pixels. */
export function* pasteCropSteps(
  target: Image, crop: Planar, blend: Float32Array, toCrop: Affine, opts: PasteOptions,
): Steps<PixelBounds | null> {
  const bounds = pasteBounds(target, crop, blend, toCrop, opts);
  if (!bounds) return null;
  for (let y = bounds.y0; y < bounds.y1; y += 8) {
    pasteRows(target, crop, blend, toCrop, opts, bounds, y, Math.min(bounds.y1, y + 8));
    yield;
  }
  return bounds;
}

function pasteBounds(
  target: Image, crop: Planar, blend: Float32Array, toCrop: Affine, opts: PasteOptions,
): PixelBounds | null {
  // Only where the blend mask is on: on a large face that is a fraction of the crop's footprint.
  const part = nonZeroBounds(blend, crop.width);
  const bounds = part && cropBounds(toCrop, crop.width, target.width, target.height, opts.region, part);
  return !bounds || opts.strength <= 0 ? null : bounds;
}

/** Image rows [yStart, yEnd) of the paste. A plain function with its state in locals, which V8 optimises best. */
function pasteRows(
  target: Image, crop: Planar, blend: Float32Array, toCrop: Affine, opts: PasteOptions, bounds: PixelBounds,
  yStart: number, yEnd: number,
): void {
  const size = crop.width;
  const [a, b, tx, c, d, ty] = toCrop;
  const k = affineScale(toCrop); // crop pixels per image pixel
  const n = k > 1.5 ? Math.min(8, Math.ceil(k)) : 1; // shrinking the crop: average n x n samples
  const cubic = k < 1; // enlarging the crop
  const plane = size * size;
  const { channels, data } = target;
  const maxV = target.bitDepth === 16 ? 65535 : 255;
  const toTarget = maxV / 255;
  const grey = channels <= 2;
  const rgb = [0, 0, 0];
  for (let y = yStart; y < yEnd; y++) {
    for (let x = bounds.x0; x < bounds.x1; x++) {
      const u = a * x + b * y + tx, v = c * x + d * y + ty;
      let w = maskAt(blend, size, u, v);
      if (w <= 0) continue;
      w *= opts.strength * regionWeight(opts.region, x, y);
      if (w <= 0) continue;
      if (w > 1) w = 1;
      for (let ch = 0; ch < 3; ch++) {
        if (n === 1) {
          rgb[ch] = cubic ? samplePlaneCubic(crop.data, size, size, ch * plane, u, v) : samplePlane(crop.data, size, size, ch * plane, u, v);
        } else {
          let s = 0;
          for (let j = 0; j < n; j++) {
            const oy = (j + 0.5) / n - 0.5;
            for (let i = 0; i < n; i++) {
              const ox = (i + 0.5) / n - 0.5;
              s += samplePlane(crop.data, size, size, ch * plane, u + a * ox + b * oy, v + c * ox + d * oy);
            }
          }
          rgb[ch] = s / (n * n);
        }
      }
      const p = (y * target.width + x) * channels;
      if (grey) {
        const val = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) * toTarget;
        const o = data[p];
        data[p] = clampRound(o + w * (val - o), maxV);
      } else {
        for (let ch = 0; ch < 3; ch++) {
          const o = data[p + ch];
          data[p + ch] = clampRound(o + w * (rgb[ch] * toTarget - o), maxV);
        }
      }
    }
  }
}

function clampRound(v: number, maxV: number): number {
  const r = Math.round(v);
  return r < 0 ? 0 : r > maxV ? maxV : r;
}

/** A crop-space mask (0..1) brought to image coordinates as an 8-bit Mask over `bounds`, times the region. */
export function cropMaskToImage(mask: Float32Array, size: number, toCrop: Affine, bounds: PixelBounds, region?: Rect | Mask): Mask {
  const w = bounds.x1 - bounds.x0, h = bounds.y1 - bounds.y0;
  const out = new Uint8Array(w * h);
  maskRows(mask, size, toCrop, bounds, region, out, 0, h);
  return { x: bounds.x0, y: bounds.y0, width: w, height: h, data: out };
}

/** cropMaskToImage as steps of 16 rows (core/cooperate.ts); the same values. */
export function* cropMaskToImageSteps(
  mask: Float32Array, size: number, toCrop: Affine, bounds: PixelBounds, region?: Rect | Mask,
): Steps<Mask> {
  const w = bounds.x1 - bounds.x0, h = bounds.y1 - bounds.y0;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y += 16) {
    maskRows(mask, size, toCrop, bounds, region, out, y, Math.min(h, y + 16));
    yield;
  }
  return { x: bounds.x0, y: bounds.y0, width: w, height: h, data: out };
}

function maskRows(
  mask: Float32Array, size: number, toCrop: Affine, bounds: PixelBounds, region: Rect | Mask | undefined, out: Uint8Array,
  yStart: number, yEnd: number,
): void {
  const w = bounds.x1 - bounds.x0;
  const [a, b, tx, c, d, ty] = toCrop;
  const k = affineScale(toCrop);
  const n = k > 1.5 ? Math.min(4, Math.ceil(k)) : 1;
  for (let y = yStart; y < yEnd; y++) {
    for (let x = 0; x < w; x++) {
      const ix = x + bounds.x0, iy = y + bounds.y0;
      const u = a * ix + b * iy + tx, v = c * ix + d * iy + ty;
      let m = 0;
      if (n === 1) m = maskAt(mask, size, u, v);
      else {
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
          const ox = (i + 0.5) / n - 0.5, oy = (j + 0.5) / n - 0.5;
          m += maskAt(mask, size, u + a * ox + b * oy, v + c * ox + d * oy);
        }
        m /= n * n;
      }
      if (region) m *= regionWeight(region, ix, iy);
      out[y * w + x] = Math.round(Math.min(1, Math.max(0, m)) * 255);
    }
  }
}
