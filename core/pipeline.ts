/**
 * restoreFaces(): the SDK's one entry point. Detect -> align -> parse -> restore -> paste, each a small function on
 * typed values; nothing is kept between calls. Free of Node-only imports: the Photoshop plugin bundles this file.
 */
import { type Cooperation, pacerFor } from "./cooperate.js";
import { type Affine, applyAffine, invertAffine, type Point } from "./face/affine.js";
import { blendMask, softClassMask } from "./face/blend.js";
import { type DetectedFace, type DetectOptions, alignmentFor, detectFaceList } from "./face/detect.js";
import { cropBounds, cropMaskToImageSteps, nonZeroBounds, pasteCropSteps, regionWeight } from "./face/paste.js";
import { CROP_SIZE, FFHQ_TEMPLATE_512 } from "./face/template.js";
import { assertImage, cloneImage, type Image, isMask, type Mask, type Rect } from "./image/types.js";
import { warpImageSteps } from "./image/warp.js";
import { checkAbort, type Engine } from "./models/engine.js";
import { parseFace, REGIONS } from "./parse/parse.js";
import { preserveColourSteps } from "./restore/colour.js";
import { DEFAULT_FIDELITY, restoreCrop } from "./restore/restore.js";

export type { Image, Mask, Rect } from "./image/types.js";
export type { Engine, ModelId, TensorData } from "./models/engine.js";
export { parseFace } from "./parse/parse.js";
export { DEFAULT_FIDELITY } from "./restore/restore.js";
export type { DetectedFace } from "./face/detect.js";
export type { Cooperation } from "./cooperate.js";

export type Stage = "detect" | "align" | "parse" | "restore" | "paste";

export interface RestoreOptions {
  /** Blend of the restored face over the original, 0..1 (default 1). */
  strength?: number;
  /** Passed to the restorer when it takes one: 0 = quality (lean on the prior), 1 = fidelity (default DEFAULT_FIDELITY, 0.3). */
  fidelity?: number;
  /** Only faces inside are restored, and no pixel outside changes. A Mask weights the blend by its value. */
  region?: Rect | Mask;
  /** Faces whose box is narrower than this (pixels) are skipped and reported (default 20). */
  minFaceSize?: number;
  /** Restore only these faces (indices in the detection order: left to right, then top to bottom). */
  faceIndices?: number[];
  /** The input is already a face aligned to the FFHQ template (square, normally 512): no detection, no paste-back. */
  aligned?: boolean;
  onProgress?: (p: { stage: Stage; face?: number; faces?: number; fraction: number }) => void;
  /** Checked between model calls; an aborted call throws an Error named "AbortError". */
  signal?: AbortSignal;
  /** Write into `image` itself instead of a copy (saves one image's memory on very large photos). */
  inPlace?: boolean;
  /**
   * For hosts that run the SDK on their UI thread (the Photoshop panel): long pixel work is done in bounded
   * pieces and the thread is handed back to the host whenever `sliceMs` of work has gone by. Model calls are not
   * split; the host's engine decides what happens around them. Without it everything runs straight through.
   */
  cooperate?: Cooperation;
}

export interface FaceResult {
  box: Rect;
  /** Five points: left eye, right eye, nose tip, left and right mouth corner (as seen in the image). */
  landmarks: [number, number][];
  score: number;
  /** 8-bit masks in image coordinates: eyes (classes 4, 5), mouth (10, 11, 12), face (the blend mask). */
  masks: { eyes: Mask; mouth: Mask; face: Mask };
  /** Index in the detection order. */
  index: number;
}

export interface RestoreResult {
  image: Image;
  faces: FaceResult[];
  skipped: { box: Rect; reason: string; index?: number }[];
  /** Milliseconds per stage (summed over faces), and total. */
  timings: Record<string, number>;
}

export const DEFAULT_MIN_FACE_SIZE = 20;

/** Detected faces in the order restoreFaces numbers them: left to right, then top to bottom. */
export async function detectFaces(image: Image, engine: Engine, options: DetectOptions = {}): Promise<DetectedFace[]> {
  assertImage(image);
  const faces = await detectFaceList(image, engine, options);
  return faces.sort((a, b) => a.box.x - b.box.x || a.box.y - b.box.y);
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

function regionContains(region: Rect | Mask | undefined, box: Rect): boolean {
  if (!region) return true;
  return regionWeight(region, Math.floor(box.x + box.width / 2), Math.floor(box.y + box.height / 2)) >= 0.5;
}

/** The part of the image to search: the region's bounds grown so that faces partly inside are found whole. */
function searchArea(image: Image, region: Rect | Mask | undefined): Rect | undefined {
  if (!region) return undefined;
  const grow = Math.max(region.width, region.height) * 0.5;
  const x0 = Math.max(0, Math.floor(region.x - grow)), y0 = Math.max(0, Math.floor(region.y - grow));
  const x1 = Math.min(image.width, Math.ceil(region.x + region.width + grow));
  const y1 = Math.min(image.height, Math.ceil(region.y + region.height + grow));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : undefined;
}

function validate(options: RestoreOptions): void {
  const { strength, fidelity, minFaceSize, faceIndices, region } = options;
  if (strength !== undefined && !(strength >= 0 && strength <= 1)) throw new Error(`strength must be in [0, 1], got ${strength}`);
  if (fidelity !== undefined && !(fidelity >= 0 && fidelity <= 1)) throw new Error(`fidelity must be in [0, 1], got ${fidelity}`);
  if (minFaceSize !== undefined && !(minFaceSize >= 0)) throw new Error(`minFaceSize must be >= 0, got ${minFaceSize}`);
  if (faceIndices && faceIndices.some((i) => !Number.isInteger(i) || i < 0)) throw new Error("faceIndices must be non-negative integers");
  if (region) {
    if (!(region.width > 0 && region.height > 0)) throw new Error("region must have a positive width and height");
    if (isMask(region) && region.data.length !== region.width * region.height) {
      throw new Error(`region mask has ${region.data.length} values, expected ${region.width}x${region.height}`);
    }
  }
}

export async function restoreFaces(image: Image, engine: Engine, options: RestoreOptions = {}): Promise<RestoreResult> {
  assertImage(image);
  validate(options);
  const t0 = now();
  const strength = options.strength ?? 1;
  const fidelity = options.fidelity ?? DEFAULT_FIDELITY;
  const minFaceSize = options.minFaceSize ?? DEFAULT_MIN_FACE_SIZE;
  const { region, signal, onProgress } = options;
  const pacer = pacerFor(options.cooperate);
  const timings: Record<string, number> = { detect: 0, align: 0, parse: 0, restore: 0, paste: 0 };
  const out = options.inPlace ? image : cloneImage(image);
  const faces: FaceResult[] = [];
  const skipped: RestoreResult["skipped"] = [];

  // 1. Which faces, and the alignment of each (image -> 512 crop).
  let targets: { face: DetectedFace; index: number; toCrop: Affine }[];
  if (options.aligned) {
    if (image.width !== image.height) throw new Error(`an aligned input must be square, got ${image.width}x${image.height}`);
    const s = CROP_SIZE / image.width;
    // Pixel centres: image pixel i (centre i) maps to crop coordinate (i + 0.5) * s - 0.5.
    const toCrop: Affine = [s, 0, 0.5 * s - 0.5, 0, s, 0.5 * s - 0.5];
    const back = invertAffine(toCrop);
    const landmarks = FFHQ_TEMPLATE_512.map((p) => applyAffine(back, p as Point) as [number, number]);
    const face: DetectedFace = { box: { x: 0, y: 0, width: image.width, height: image.height }, landmarks, landmarks68: [], score: 1 };
    targets = [{ face, index: 0, toCrop }];
  } else {
    onProgress?.({ stage: "detect", fraction: 0 });
    const td = now();
    const found = await detectFaces(image, engine, {
      minSize: Math.max(8, Math.min(minFaceSize, DEFAULT_MIN_FACE_SIZE)),
      roi: searchArea(image, region),
      signal,
      onProgress: (f) => onProgress?.({ stage: "detect", fraction: 0.3 * f }),
      cooperate: pacer,
    });
    timings.detect = now() - td;
    targets = [];
    found.forEach((face, index) => {
      if (options.faceIndices && !options.faceIndices.includes(index)) {
        skipped.push({ box: face.box, index, reason: "not selected" });
      } else if (face.box.width < minFaceSize) {
        skipped.push({ box: face.box, index, reason: `too small to restore (${Math.round(face.box.width)} px < ${minFaceSize} px)` });
      } else if (!regionContains(region, face.box)) {
        skipped.push({ box: face.box, index, reason: "outside the region" });
      } else {
        targets.push({ face, index, toCrop: alignmentFor(face.landmarks as Point[]) });
      }
    });
  }

  // 2. Each face: crop, parse, restore, paste. Only crop-sized buffers are made, whatever the photo's size.
  const base = options.aligned ? 0 : 0.3;
  const span = 1 - base;
  for (let k = 0; k < targets.length; k++) {
    const { face, index, toCrop } = targets[k];
    const frac = (part: number) => base + (span * (k + part)) / targets.length;
    const progress = (stage: Stage, part: number) => onProgress?.({ stage, face: index, faces: targets.length, fraction: frac(part) });
    checkAbort(signal);
    progress("align", 0);
    let t = now();
    const crop = await pacer.run(warpImageSteps(image, toCrop, CROP_SIZE, CROP_SIZE, { border: "replicate" }));
    timings.align += now() - t;

    progress("parse", 0.1);
    t = now();
    const parsed = await parseFace(crop, engine, signal);
    timings.parse += now() - t;

    progress("restore", 0.3);
    t = now();
    const restored = await restoreCrop(crop, parsed.probs, engine, fidelity, signal);
    timings.restore += now() - t;
    checkAbort(signal);

    progress("paste", 0.9);
    t = now();
    // Each piece below is bounded (crop-sized, or a few image rows at a time): the host gets the thread between.
    await pacer.pause();
    const blend = options.aligned ? new Float32Array(CROP_SIZE * CROP_SIZE).fill(1) : blendMask(parsed.labels, REGIONS.face);
    await pacer.pause();
    const corrected = await pacer.run(preserveColourSteps(crop, restored, blend));
    await pacer.run(pasteCropSteps(out, corrected, blend, toCrop, { strength, region }));
    // Each mask covers only the pixels where it is on (an empty mask is a 0x0 crop at the face).
    const toImage = async (mask: Float32Array, clip?: Rect | Mask): Promise<Mask> => {
      await pacer.pause();
      const part = nonZeroBounds(mask, CROP_SIZE);
      const b = part && cropBounds(toCrop, CROP_SIZE, image.width, image.height, undefined, part);
      if (!b) return { x: Math.round(face.box.x), y: Math.round(face.box.y), width: 0, height: 0, data: new Uint8Array(0) };
      return pacer.run(cropMaskToImageSteps(mask, CROP_SIZE, toCrop, b, clip));
    };
    const eyes = await toImage(softClassMask(parsed.labels, REGIONS.eyes));
    await pacer.pause();
    const mouth = await toImage(softClassMask(parsed.labels, REGIONS.mouth));
    faces.push({
      box: face.box,
      landmarks: face.landmarks,
      score: face.score,
      index,
      masks: { eyes, mouth, face: await toImage(blend, region) },
    });
    timings.paste += now() - t;
    progress("paste", 1);
  }
  timings.total = now() - t0;
  return { image: out, faces, skipped, timings };
}
