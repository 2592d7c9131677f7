/** The face parser: 19 CelebAMask-HQ classes of a 512x512 aligned face (contract: models/models.json "parser"). */
import { checkAbort, expectFloat32, type Engine } from "../models/engine.js";
import type { Planar } from "../image/warp.js";
import type { Image } from "../image/types.js";
import { toModelInput } from "../restore/tensor.js";

export const PARSE_SIZE = 512;
export const PROBS_SIZE = 128;
export const NUM_CLASSES = 19;

export const CLASS_NAMES = [
  "background", "skin", "nose", "eyeglasses", "left_eye", "right_eye", "left_brow", "right_brow", "left_ear",
  "right_ear", "mouth", "upper_lip", "lower_lip", "hair", "hat", "earring", "necklace", "neck", "cloth",
] as const;

/** Regions as the paper and models.json define them. */
export const REGIONS = {
  eyes: [4, 5],
  mouth: [10, 11, 12],
  face: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
} as const;

/** Colours for previews (index = class). */
export const CLASS_COLOURS: readonly [number, number, number][] = [
  [0, 0, 0], [204, 153, 119], [255, 140, 0], [128, 128, 128], [0, 90, 255], [0, 200, 255], [120, 60, 0],
  [170, 90, 0], [255, 100, 180], [255, 160, 210], [255, 0, 0], [200, 0, 80], [255, 90, 120], [60, 40, 20],
  [0, 128, 0], [255, 255, 0], [0, 255, 128], [230, 200, 170], [90, 90, 200],
];

export interface ParseResult {
  /** Class index per pixel, 512 x 512. */
  labels: Uint8Array;
  /** Softmax probabilities, 19 x 128 x 128: the restorer's Z_seg. */
  probs: Float32Array;
}

/** Planar RGB 0..255 from an 8/16-bit Image (grey replicated), without resampling. */
export function imageToPlanar(image: Image): Planar {
  const { width, height, channels, data } = image;
  const n = width * height;
  const out = new Float32Array(n * 3);
  const s = image.bitDepth === 16 ? 255 / 65535 : 1;
  for (let i = 0; i < n; i++) {
    const j = i * channels;
    if (channels <= 2) {
      const v = data[j] * s;
      out[i] = v; out[i + n] = v; out[i + 2 * n] = v;
    } else {
      out[i] = data[j] * s; out[i + n] = data[j + 1] * s; out[i + 2 * n] = data[j + 2] * s;
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Runs the parser on a 512x512 aligned crop (planar 0..255, or an Image of that size). */
export async function parseFace(crop512: Planar | Image, engine: Engine, signal?: AbortSignal): Promise<ParseResult> {
  const crop = "bitDepth" in crop512 ? imageToPlanar(crop512) : crop512;
  if (crop.width !== PARSE_SIZE || crop.height !== PARSE_SIZE) {
    throw new Error(`parser needs a ${PARSE_SIZE}x${PARSE_SIZE} aligned face, got ${crop.width}x${crop.height}`);
  }
  checkAbort(signal);
  const out = await engine.run("parser", { input: toModelInput(crop) });
  const probs = expectFloat32(out, "probs", "parser", NUM_CLASSES * PROBS_SIZE * PROBS_SIZE);
  const labelsT = out.labels;
  if (!labelsT) throw new Error("model 'parser' returned no output 'labels'");
  if (labelsT.data.length !== PARSE_SIZE * PARSE_SIZE) {
    throw new Error(`model 'parser' output 'labels' has ${labelsT.data.length} values, expected ${PARSE_SIZE * PARSE_SIZE}`);
  }
  const labels = labelsT.data instanceof Uint8Array ? labelsT.data : Uint8Array.from(labelsT.data as ArrayLike<number>, Number);
  return { labels, probs };
}

/** 0/1 float mask of the pixels whose class is in `classes`. */
export function classMask(labels: Uint8Array, classes: readonly number[]): Float32Array {
  const lut = new Uint8Array(256);
  for (const c of classes) lut[c] = 1;
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = lut[labels[i]];
  return out;
}

/** RGB preview of a label map (interleaved, 8-bit). */
export function colouriseLabels(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) {
    const c = CLASS_COLOURS[labels[i]] ?? [255, 255, 255];
    out[i * 3] = c[0]; out[i * 3 + 1] = c[1]; out[i * 3 + 2] = c[2];
  }
  return out;
}
