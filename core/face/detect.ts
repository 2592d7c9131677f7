/**
 * Face detection with the models shipped in faceplugin-face-recognition-js (MIT):
 *  - fr_detect.onnx, an UltraFace RFB-320 detector on a fixed 320x240 input, run over an image pyramid of
 *    overlapping tiles so that faces from ~20 px to the full frame are found without a full-size float copy;
 *  - fr_landmark.onnx, 68 landmarks from a 64x64 grey crop, first on the detector's box, then again on crops
 *    aligned to the FFHQ template with the previous estimate (an upright, canonical crop is where the model is
 *    most precise);
 *  - a second detector pass on the aligned crop confirms each face and rejects parts of faces and texture that the
 *    fine pyramid levels mistake for faces.
 * Pure TypeScript over the Engine interface: runs in Node and in the Photoshop plugin.
 */
import { type Cooperation, pacerFor, type Steps } from "../cooperate.js";
import { checkAbort, expectFloat32, type Engine } from "../models/engine.js";
import { areaResampleSteps, type Planar, toGrey, warpImageSteps } from "../image/warp.js";
import type { Image, Rect } from "../image/types.js";
import { type Affine, applyAffine, composeAffine, invertAffine, type Point } from "./affine.js";
import { type Box, iou, nms } from "./nms.js";
import { fitSimilarityRobust } from "./similarity.js";
import { FFHQ_TEMPLATE_512 } from "./template.js";
import { applyFivePointModel, FIVE_POINT_MODEL, type FivePointModel, plainFivePoints } from "./five-point-model.js";

export const DETECTOR_WIDTH = 320;
export const DETECTOR_HEIGHT = 240;
const ANCHORS = 4420;

export interface DetectedFace {
  /** Face box in image coordinates (the detector's box, refined by the landmarks). */
  box: Rect;
  /** Five points, image order: left eye, right eye, nose tip, left mouth corner, right mouth corner. */
  landmarks: [number, number][];
  /** The 68-point landmarks the five are derived from. */
  landmarks68: [number, number][];
  /** Detector confidence in [0, 1], from the confirming pass on the aligned crop. */
  score: number;
}

export interface DetectOptions {
  /** Smallest face (box side, image pixels) to look for. Smaller values add finer, costlier pyramid levels. */
  minSize?: number;
  /**
   * Score the confirming pass must give (default 0.9: hair and stripes that fool the fine tiles of a 96 MP photo
   * scored 0.72-0.90; every real face on lfw-dev, whole and the selfies that 0.7 kept, 0.9 keeps too).
   */
  scoreThreshold?: number;
  /**
   * Score a box needs to be looked at (default 0.5; at most 0.3 for a box the photo's edge cuts); the confirming
   * pass then asks for scoreThreshold.
   */
  proposalThreshold?: number;
  /** Only look inside this rectangle (faces partly inside are still found whole). */
  roi?: Rect;
  /** Re-detect on the aligned crop and keep only faces the detector confirms there (default true). */
  confirm?: boolean;
  refinePasses?: number;
  /** How the five points are made from the 68 (default the shipped FIVE_POINT_MODEL; null: plain means). */
  fivePointModel?: FivePointModel | null;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Hands the thread back to the host between bounded pieces of work (core/cooperate.ts). */
  cooperate?: Cooperation;
}

/**
 * Box (x1, y1, x2, y2) that fr_detect returns for a face aligned to the FFHQ 512 template, measured on
 * CelebA-HQ aligned faces (scripts/calibrate-detector.ts). The refined landmark crop and the confirming pass use it.
 */
export const CANONICAL_BOX_512: Box = [125.9, 81.0, 387.1, 478.9];

/**
 * The refined landmark crop: the canonical box, tightened to 0.85 of its size (measured: landmark error against
 * YuNet on LFW falls from 0.107 to 0.103 between 1.0 and 0.8, and the five-point model below is fitted at 0.85).
 */
const REFINE_BOX_512: Box = (() => {
  const b = CANONICAL_BOX_512, f = 0.85;
  const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2, hw = ((b[2] - b[0]) / 2) * f, hh = ((b[3] - b[1]) / 2) * f;
  return [cx - hw, cy - hh, cx + hw, cy + hh] as Box;
})();

/** Fraction of the tile an overlap must cover: faces up to this size (input px) are whole in some tile. */
const TILE_OVERLAP = 72;
/** Ratio between pyramid levels. */
const LEVEL_STEP = 2.5;
/** Size (input px) at which the smallest wanted face is presented to the detector. */
const SMALLEST_INPUT_FACE = 16;

function toDetectorInput(p: Planar): Float32Array {
  // UltraFace (Linzaer) preprocessing: RGB, (x - 127) / 128.
  const out = new Float32Array(p.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (p.data[i] - 127) / 128;
  return out;
}

interface RawDetection {
  box: Box; // input pixels
  score: number;
}

export async function runDetector(engine: Engine, tile: Planar, threshold: number): Promise<RawDetection[]> {
  const out = await engine.run("detector", {
    input: { type: "float32", data: toDetectorInput(tile), dims: [1, 3, DETECTOR_HEIGHT, DETECTOR_WIDTH] },
  });
  const scores = expectFloat32(out, "scores", "detector", ANCHORS * 2);
  const boxes = expectFloat32(out, "boxes", "detector", ANCHORS * 4);
  const found: RawDetection[] = [];
  for (let i = 0; i < ANCHORS; i++) {
    const s = scores[i * 2 + 1];
    if (s < threshold) continue;
    found.push({
      score: s,
      box: [
        boxes[i * 4] * DETECTOR_WIDTH, boxes[i * 4 + 1] * DETECTOR_HEIGHT,
        boxes[i * 4 + 2] * DETECTOR_WIDTH, boxes[i * 4 + 3] * DETECTOR_HEIGHT,
      ],
    });
  }
  const keep = nms(found.map((f) => f.box), found.map((f) => f.score), 0.4);
  return keep.map((k) => found[k]);
}

interface Tile {
  /** image -> detector input */
  scale: number;
  x0: number; // tile origin in scaled-image pixels
  y0: number;
  /** Which tile edges are interior (a face cut there is found whole in a neighbouring tile). */
  interior: [boolean, boolean, boolean, boolean]; // left, top, right, bottom
}

function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - overlap) / (tile - overlap));
  const step = (length - tile) / (n - 1);
  return Array.from({ length: n }, (_, i) => Math.round(i * step));
}

/** The pyramid: level 0 shows the whole region in one letterboxed tile; finer levels tile it. */
export function planTiles(roi: Rect, minSize: number): Tile[] {
  const s0 = Math.min(DETECTOR_WIDTH / roi.width, DETECTOR_HEIGHT / roi.height);
  const sMax = Math.max(s0, SMALLEST_INPUT_FACE / minSize);
  // Geometric levels from s0 to sMax, at most LEVEL_STEP apart.
  const steps = sMax / s0 < 1.3 ? 0 : Math.ceil(Math.log(sMax / s0) / Math.log(LEVEL_STEP));
  const scales = Array.from({ length: steps + 1 }, (_, i) => s0 * Math.pow(sMax / s0, steps ? i / steps : 0));
  const tiles: Tile[] = [];
  for (const s of scales) {
    const sw = roi.width * s, sh = roi.height * s;
    const xs = tileStarts(sw, DETECTOR_WIDTH, TILE_OVERLAP);
    const ys = tileStarts(sh, DETECTOR_HEIGHT, TILE_OVERLAP);
    for (let j = 0; j < ys.length; j++) {
      for (let i = 0; i < xs.length; i++) {
        tiles.push({
          scale: s, x0: xs[i] + roi.x * s, y0: ys[j] + roi.y * s,
          interior: [i > 0, j > 0, i < xs.length - 1, j < ys.length - 1],
        });
      }
    }
  }
  return tiles;
}

function renderTile(image: Image, t: Tile): Steps<Planar> {
  const k = 1 / t.scale;
  if (k >= 1.5) {
    return areaResampleSteps(image, t.x0 * k, t.y0 * k, DETECTOR_WIDTH * k, DETECTOR_HEIGHT * k, DETECTOR_WIDTH,
      DETECTOR_HEIGHT, [127, 127, 127]);
  }
  const m: Affine = [t.scale, 0, -t.x0, 0, t.scale, -t.y0];
  return warpImageSteps(image, m, DETECTOR_WIDTH, DETECTOR_HEIGHT, { border: { constant: [127, 127, 127] } });
}

/**
 * Proposal score asked of a box that the photo's own edge cuts (default threshold 0.5 elsewhere). The detector sees
 * only part of such a face and scores it lower: on lfw-dev a background face half outside the frame scored 0.43,
 * and the confirming pass then gave it 0.98. Only boxes at the frame edge get the lower bar, and every proposal
 * still has to pass the confirming pass at scoreThreshold: on 300 FFHQ-256 and 100 CelebA-HQ portraits, lfw-dev,
 * the group photos and the selfies it added no face that was not there.
 */
const BORDER_PROPOSAL_THRESHOLD = 0.3;

function cutByFrame(box: Box, image: Image, margin: number): boolean {
  return box[0] < margin || box[1] < margin || box[2] > image.width - margin || box[3] > image.height - margin;
}

/** Stage 1: candidate boxes in image coordinates from every tile of the pyramid. */
export async function proposeBoxes(image: Image, engine: Engine, opts: Required<Pick<DetectOptions, "minSize" | "scoreThreshold">> & DetectOptions) {
  const roi = opts.roi ?? { x: 0, y: 0, width: image.width, height: image.height };
  const pacer = pacerFor(opts.cooperate);
  const tiles = planTiles(roi, opts.minSize);
  const boxes: Box[] = [];
  const scores: number[] = [];
  const inputHeights: number[] = [];
  const margin = 3;
  const threshold = opts.proposalThreshold ?? 0.5;
  const borderThreshold = Math.min(threshold, BORDER_PROPOSAL_THRESHOLD);
  for (let ti = 0; ti < tiles.length; ti++) {
    checkAbort(opts.signal);
    const t = tiles[ti];
    const dets = await runDetector(engine, await pacer.run(renderTile(image, t)), borderThreshold);
    for (const d of dets) {
      const [x1, y1, x2, y2] = d.box;
      // A face cut by an interior tile edge is whole in the neighbouring tile: drop the partial box.
      if ((t.interior[0] && x1 < margin) || (t.interior[1] && y1 < margin) ||
          (t.interior[2] && x2 > DETECTOR_WIDTH - margin) || (t.interior[3] && y2 > DETECTOR_HEIGHT - margin)) continue;
      const k = 1 / t.scale;
      const box: Box = [(x1 + t.x0) * k, (y1 + t.y0) * k, (x2 + t.x0) * k, (y2 + t.y0) * k];
      if (d.score < threshold && !cutByFrame(box, image, margin * k)) continue;
      const side = Math.max(box[2] - box[0], box[3] - box[1]);
      if (side < opts.minSize * 0.7) continue;
      boxes.push(box);
      scores.push(d.score);
      inputHeights.push(y2 - y1);
    }
    opts.onProgress?.(((ti + 1) / tiles.length) * 0.7);
  }
  const keep = nms(boxes, scores, 0.4);
  // inputHeight: how tall the detector saw the face; the confirming pass shows it at that size again.
  return keep.map((i) => ({ box: boxes[i], score: scores[i], inputHeight: inputHeights[i] }));
}

/** iBUG-68 index of each point's mirror image. */
export const FLIP_68 = [
  16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 27, 28, 29, 30,
  35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,
  64, 63, 62, 61, 60, 67, 66, 65,
];

async function runLandmarks(engine: Engine, grey: Float32Array): Promise<Float32Array> {
  const out = await engine.run("landmarks", { input: { type: "float32", data: grey, dims: [1, 1, 64, 64] } });
  return expectFloat32(out, "output", "landmarks", 136);
}

/**
 * 68 landmarks from the crop that `toCrop` (image -> 64x64 crop) makes, in image coordinates. The model runs on
 * the crop and on its mirror image and the two answers are averaged: it halves the model's jitter and cancels its
 * left/right bias.
 */
export async function landmarks68(image: Image, engine: Engine, toCrop: Affine, cooperate?: Cooperation): Promise<Point[]> {
  const pacer = pacerFor(cooperate);
  const acc = Array.from({ length: 68 }, () => [0, 0]);
  // One zoom: averaging over zooms 0.85..1.15 as well was measured no better on LFW (0.108 vs 0.109).
  const scales = [1];
  for (const sc of scales) {
    // Zoom about the crop centre.
    const z: Affine = [sc, 0, 31.5 * (1 - sc), 0, sc, 31.5 * (1 - sc)];
    const m = composeAffine(z, toCrop);
    const crop = await pacer.run(warpImageSteps(image, m, 64, 64, { border: "replicate" }));
    const grey = toGrey(crop);
    for (let i = 0; i < grey.length; i++) grey[i] /= 256;
    const flipped = new Float32Array(grey.length);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) flipped[y * 64 + x] = grey[y * 64 + 63 - x];
    const v = await runLandmarks(engine, grey);
    const f = await runLandmarks(engine, flipped);
    const back = invertAffine(m);
    // The model answers in units of the crop's width with pixel edges at integers; our crop pixels are centred on
    // integers, hence the half-pixel shift.
    for (let i = 0; i < 68; i++) {
      const j = FLIP_68[i];
      const x = (v[2 * i] * 64 - 0.5 + (63 - (f[2 * j] * 64 - 0.5))) / 2;
      const y = (v[2 * i + 1] * 64 - 0.5 + (f[2 * j + 1] * 64 - 0.5)) / 2;
      const p = applyAffine(back, [x, y]);
      acc[i][0] += p[0] / scales.length;
      acc[i][1] += p[1] / scales.length;
    }
  }
  return acc as Point[];
}

/**
 * The five points in the template's convention, from 68 points: a linear map of all 68 points, in the frame that
 * aligns their plain five points to the template, learned by scripts/calibrate-landmarks.ts (see FivePointModel).
 */
export function fivePointsFrom68(p: Point[], model: FivePointModel | null = FIVE_POINT_MODEL): Point[] {
  if (!model) return plainFivePoints(p);
  return applyFivePointModel(model, p);
}

/** Largest eye movement between two five-point estimates, in eye distances of the first. */
function eyeShift(a: Point[], b: Point[]): number {
  const eye = Math.hypot(a[1][0] - a[0][0], a[1][1] - a[0][1]) || 1;
  return Math.max(Math.hypot(a[0][0] - b[0][0], a[0][1] - b[0][1]), Math.hypot(a[1][0] - b[1][0], a[1][1] - b[1][1])) / eye;
}

/** Similarity that maps the face's five points onto the FFHQ 512 template. */
export function alignmentFor(five: Point[]): Affine {
  return fitSimilarityRobust(five, FFHQ_TEMPLATE_512 as Point[]);
}

/** Square crop of a box (side = box height, as fr_landmark was trained), as an image -> 64x64 affine. */
export function boxCrop(box: Box, size: number): Affine {
  const cx = (box[0] + box[2]) / 2, cy = (box[1] + box[3]) / 2;
  const side = Math.max(1, box[3] - box[1]);
  const s = size / side;
  return [s, 0, -(cx - side / 2) * s, 0, s, -(cy - side / 2) * s];
}

/** Detects the faces in `image`, most confident first. */
export async function detectFaceList(image: Image, engine: Engine, options: DetectOptions = {}): Promise<DetectedFace[]> {
  const pacer = pacerFor(options.cooperate);
  const opts = { minSize: 20, scoreThreshold: 0.9, refinePasses: 2, ...options, cooperate: pacer };
  // undefined takes fivePointsFrom68's default, the shipped model.
  const fivePoints = (p: Point[]) => fivePointsFrom68(p, opts.fivePointModel);
  const candidates = await proposeBoxes(image, engine, opts);
  const faces: DetectedFace[] = [];
  const quality: number[] = [];
  for (let ci = 0; ci < candidates.length; ci++) {
    checkAbort(opts.signal);
    const cand = candidates[ci];
    let pts = await landmarks68(image, engine, boxCrop(cand.box, 64), pacer);
    let toTemplate = alignmentFor(fivePoints(pts));
    let lastShift = Infinity;
    for (let r = 0; r < opts.refinePasses; r++) {
      const next = await landmarks68(image, engine, composeAffine(boxCrop(REFINE_BOX_512, 64), toTemplate), pacer);
      const shift = eyeShift(fivePoints(pts), fivePoints(next));
      // A refined crop of a small face beside a larger one can lock onto the neighbour (a jump of more than a
      // third of the eye distance); on some faces (a high forehead, hair) the passes drift instead of settling
      // (each step larger than the one before). Either way the previous estimate is kept.
      if (shift > 0.33 || (r > 0 && shift > 0.02 && shift > lastShift)) break;
      lastShift = shift;
      pts = next;
      toTemplate = alignmentFor(fivePoints(pts));
    }
    const verify = opts.confirm === false
      ? { score: cand.score, overlap: 1 }
      : await confirmFace(image, engine, toTemplate, cand.inputHeight, pacer);
    opts.onProgress?.(0.7 + (0.3 * (ci + 1)) / candidates.length);
    if (verify.score < opts.scoreThreshold) continue;
    const fromTemplate = invertAffine(toTemplate);
    const corners = [
      applyAffine(fromTemplate, [CANONICAL_BOX_512[0], CANONICAL_BOX_512[1]]),
      applyAffine(fromTemplate, [CANONICAL_BOX_512[2], CANONICAL_BOX_512[1]]),
      applyAffine(fromTemplate, [CANONICAL_BOX_512[0], CANONICAL_BOX_512[3]]),
      applyAffine(fromTemplate, [CANONICAL_BOX_512[2], CANONICAL_BOX_512[3]]),
    ];
    const xs = corners.map((c) => c[0]), ys = corners.map((c) => c[1]);
    const x1 = Math.min(...xs), y1 = Math.min(...ys);
    const five = fivePoints(pts);
    faces.push({
      box: { x: x1, y: y1, width: Math.max(...xs) - x1, height: Math.max(...ys) - y1 },
      landmarks: five as [number, number][],
      landmarks68: pts as [number, number][],
      score: verify.score,
    });
    quality.push(verify.score * verify.overlap);
  }
  // Two candidates of one face (found at two pyramid levels) can end on two alignments: keep the one the
  // confirming pass agrees with best. Real faces in a photo do not overlap this much.
  const boxes: Box[] = faces.map((f) => [f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height]);
  const keep = nms(boxes, quality, 0.3, 0.6);
  opts.onProgress?.(1);
  return keep.map((i) => faces[i]);
}

/**
 * Detector score of a face where the alignment says it is; 0 when the detector sees none there. The aligned face
 * is shown upright, centred, at the size the detector first saw it (clamped to the sizes it sees best).
 */
export async function confirmFace(
  image: Image, engine: Engine, toTemplate: Affine, inputHeight = 110, cooperate?: Cooperation,
): Promise<{ score: number; overlap: number }> {
  const b = CANONICAL_BOX_512;
  const scale = Math.min(0.47, Math.max(0.12, inputHeight / (b[3] - b[1])));
  const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
  const place: Affine = [scale, 0, DETECTOR_WIDTH / 2 - cx * scale, 0, scale, DETECTOR_HEIGHT / 2 - cy * scale];
  const toTile = composeAffine(place, toTemplate);
  const tile = await pacerFor(cooperate).run(
    warpImageSteps(image, toTile, DETECTOR_WIDTH, DETECTOR_HEIGHT, { border: { constant: [127, 127, 127] } }),
  );
  const dets = await runDetector(engine, tile, 0.3);
  const expected: Box = [
    b[0] * scale + place[2], b[1] * scale + place[5], b[2] * scale + place[2], b[3] * scale + place[5],
  ];
  // Loose overlap: five-point alignment leaves turned faces off-centre, and the detector's box follows the face.
  let best = { score: 0, overlap: 0 };
  for (const d of dets) {
    const o = iou(d.box, expected);
    if (o > 0.35 && d.score * o > best.score * best.overlap) best = { score: d.score, overlap: o };
  }
  return best;
}

