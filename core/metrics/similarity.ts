// A 4-DoF similarity fitted by least squares (Umeyama) and an OpenCV-style affine warp. Used to take faces aligned
// to the FFHQ 512 template to the ArcFace 112 template that identity models expect.
import { createRgb, type RgbImage } from "./rgb.js";
import { roundHalfEven } from "./numeric.js";

export type Point = [number, number];
/** 2x3 row-major affine matrix mapping source to destination: [a, b, tx, c, d, ty]. */
export type Affine = [number, number, number, number, number, number];

/** The FFHQ 512 five-point template (facexlib): eyes, nose tip, mouth corners in image order. */
export const FFHQ_512_TEMPLATE: Point[] = [
  [192.98138, 239.94708],
  [318.90277, 240.1936],
  [256.63416, 314.01935],
  [201.26117, 371.41043],
  [313.08905, 371.15118],
];

/** The insightface ArcFace 112x112 five-point template. */
export const ARCFACE_112_TEMPLATE: Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Least-squares similarity (rotation, uniform scale, translation) from src to dst points (Umeyama 1991). */
export function fitSimilarity(src: Point[], dst: Point[]): Affine {
  const n = src.length;
  if (n !== dst.length || n < 2) throw new Error("fitSimilarity: need two equally long lists of >= 2 points");
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  // With complex numbers z = x + iy the optimal similarity is w = conj-weighted ratio: a + ib = sum(d * conj(s)) / sum(|s|^2).
  let num_re = 0, num_im = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i][0] - sx, py = src[i][1] - sy;
    const qx = dst[i][0] - dx, qy = dst[i][1] - dy;
    num_re += qx * px + qy * py;
    num_im += qy * px - qx * py;
    den += px * px + py * py;
  }
  const a = num_re / den;
  const b = num_im / den;
  // [x'] = [a -b][x] + t
  // [y']   [b  a][y]
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (det === 0) throw new Error("invertAffine: singular matrix");
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * cv2.warpAffine(src, m, (width, height)) for 8-bit images: bilinear, constant 0 border. Reproduces OpenCV's
 * fixed-point arithmetic (source coordinates quantised to 1/32 px, weights in 1/32768, rounded result) so that
 * identity embeddings match those of the Python reference to ~1e-5 rad rather than ~1e-3.
 */
export function warpAffineBilinear(src: RgbImage, m: Affine, width: number, height: number): RgbImage {
  const AB_SCALE = 1024; // 1 << AB_BITS (10)
  const ROUND_DELTA = 16; // AB_SCALE / INTER_TAB_SIZE / 2
  const out = createRgb(width, height);
  const [a, b, tx, c, d, ty] = invertAffine(m);
  const sw = src.width, sh = src.height, s = src.data;
  const px = (x: number, y: number, ch: number) => (x < 0 || y < 0 || x >= sw || y >= sh ? 0 : s[(y * sw + x) * 3 + ch]);
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = roundHalfEven(a * x * AB_SCALE);
    bdelta[x] = roundHalfEven(c * x * AB_SCALE);
  }
  for (let y = 0; y < height; y++) {
    const X0 = roundHalfEven((b * y + tx) * AB_SCALE) + ROUND_DELTA;
    const Y0 = roundHalfEven((d * y + ty) * AB_SCALE) + ROUND_DELTA;
    for (let x = 0; x < width; x++) {
      const X = (X0 + adelta[x]) >> 5;
      const Y = (Y0 + bdelta[x]) >> 5;
      const x0 = X >> 5, y0 = Y >> 5;
      const fx = X & 31, fy = Y & 31;
      const w00 = (32 - fy) * (32 - fx) * 32, w01 = (32 - fy) * fx * 32;
      const w10 = fy * (32 - fx) * 32, w11 = fy * fx * 32;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const v = w00 * px(x0, y0, ch) + w01 * px(x0 + 1, y0, ch) + w10 * px(x0, y0 + 1, ch) + w11 * px(x0 + 1, y0 + 1, ch);
        out.data[o + ch] = (v + 16384) >> 15;
      }
    }
  }
  return out;
}
