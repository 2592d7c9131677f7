/** FFHQ 512 five-point template (mean RetinaFace landmarks over FFHQ; facexlib get_ffhq_template.py). */
import type { Point } from "./affine.js";

export const CROP_SIZE = 512;

/** Image order: left eye, right eye, nose tip, left mouth corner, right mouth corner (as seen in the image). */
export const FFHQ_TEMPLATE_512: readonly Point[] = [
  [192.98138, 239.94708],
  [318.90277, 240.1936],
  [256.63416, 314.01935],
  [201.26117, 371.41043],
  [313.08905, 371.15118],
];
