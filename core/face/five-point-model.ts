/**
 * How the five template points (eye centres, nose tip, mouth corners, the RetinaFace/YuNet convention the FFHQ
 * template was averaged from) are read off the 68-point landmarks.
 *
 * The 68-point model's eye contours, nose and mouth corners do not sit where that convention puts the five points,
 * and how far off they are depends on the face (pose, expression, how blurred). A linear map of all 68 points
 * captures that: in the frame that aligns the 68 points' plain five points (contour means, nose tip, mouth
 * corners) to the template, each of the five points is its plain position plus a learned linear function of the
 * 68 points. Fitted by ridge regression in scripts/calibrate-landmarks.ts against the mean of YuNet's two variants
 * on FFHQ-256 and CelebA-HQ faces shown at 16-110 px eye distance with JPEG compression (never the benchmark's
 * photos); the fitted numbers live in five-point-weights.ts.
 */
import { applyAffine, invertAffine, type Point } from "./affine.js";
import { fitSimilarity } from "./similarity.js";
import { FFHQ_TEMPLATE_512 } from "./template.js";

export interface FivePointModel {
  /** Mean of the 136 aligned coordinates (x0, y0, x1, y1, ...) over the calibration faces. */
  mean: number[];
  /** 137 rows (136 centred coordinates, then 1) x 10 columns (x, y of the five points): the correction. */
  weights: number[][];
  /** What it was fitted on, for the record. */
  fitted: { faces: number; lambda: number; error: number };
}

/** Plain five points: eye contour means, nose tip, mouth corners (iBUG-68). */
export function plainFivePoints(p: Point[]): Point[] {
  const mean = (pts: Point[]): Point => [
    pts.reduce((s, q) => s + q[0], 0) / pts.length,
    pts.reduce((s, q) => s + q[1], 0) / pts.length,
  ];
  return [mean(p.slice(36, 42)), mean(p.slice(42, 48)), p[30], p[48], p[54]];
}

/** The 68 points in the calibration frame (plain five points least-squares aligned to the template). */
export function calibrationFrame(p: Point[]): { toFrame: ReturnType<typeof fitSimilarity>; aligned: Point[]; plain: Point[] } {
  const plain = plainFivePoints(p);
  const toFrame = fitSimilarity(plain, FFHQ_TEMPLATE_512 as Point[]);
  return { toFrame, aligned: p.map((q) => applyAffine(toFrame, q)), plain: plain.map((q) => applyAffine(toFrame, q)) };
}

/** The five points (image coordinates) that `model` reads off the 68 points `p`. */
export function applyFivePointModel(model: FivePointModel, p: Point[]): Point[] {
  const { toFrame, aligned, plain } = calibrationFrame(p);
  const back = invertAffine(toFrame);
  const x = new Float64Array(137);
  aligned.forEach((q, i) => { x[2 * i] = q[0] - model.mean[2 * i]; x[2 * i + 1] = q[1] - model.mean[2 * i + 1]; });
  x[136] = 1;
  return plain.map((q, k) => {
    let dx = 0, dy = 0;
    for (let j = 0; j < 137; j++) { dx += x[j] * model.weights[j][2 * k]; dy += x[j] * model.weights[j][2 * k + 1]; }
    return applyAffine(back, [q[0] + dx, q[1] + dy]);
  });
}

export { FIVE_POINT_MODEL } from "./five-point-weights.js";
