/**
 * One file through the whole pipeline: decode, restore, write the image (and masks), report. Node-only; runs in
 * the CLI's process or in a pool worker. Failures come back as a report with `error`, never as a throw, so that one
 * bad file in a batch is reported and skipped.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Mask, Rect } from "../image/types.js";
import { decodeImageWithInfo } from "../io/decode.js";
import { encodeGreyPng, encodeImage, formatForPath, writeFileAtomic } from "../io/encode.js";
import type { Engine } from "../models/engine.js";
import { restoreFaces, type RestoreOptions } from "../pipeline.js";

export interface JobOptions {
  aligned?: boolean;
  strength?: number;
  fidelity?: number;
  minFaceSize?: number;
  faceIndices?: number[];
  region?: Rect;
  /** Grey image file whose pixels weight the blend (same size as the input). */
  regionMask?: string;
  /** Folder for NAME.eyes.png, NAME.mouth.png, NAME.face.png at full image size. */
  masksDir?: string;
}

export interface Job {
  input: string;
  output: string;
  options: JobOptions;
}

export interface FaceReport {
  index: number;
  box: Rect;
  landmarks: [number, number][];
  score: number;
}

export interface JobReport {
  input: string;
  output?: string;
  width?: number;
  height?: number;
  channels?: number;
  bitDepth?: number;
  faces: FaceReport[];
  skipped: { index?: number; box: Rect; reason: string }[];
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  /** "no face found", etc. */
  notes: string[];
  masks?: string[];
  error?: string;
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

async function loadRegionMask(file: string, width: number, height: number): Promise<Mask> {
  const { image } = await decodeImageWithInfo(file);
  if (image.width !== width || image.height !== height) {
    throw new Error(`${file}: region mask is ${image.width}x${image.height}, the photo is ${width}x${height}`);
  }
  const n = width * height;
  const data = new Uint8Array(n);
  const s = image.bitDepth === 16 ? 255 / 65535 : 1;
  for (let i = 0; i < n; i++) {
    const j = i * image.channels;
    const v = image.channels >= 3 ? 0.299 * image.data[j] + 0.587 * image.data[j + 1] + 0.114 * image.data[j + 2] : image.data[j];
    data[i] = Math.round(v * s);
  }
  return { x: 0, y: 0, width, height, data };
}

/** Full-size 8-bit mask from per-face crops (maximum where faces overlap). */
function fullMask(width: number, height: number, masks: Mask[]): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const m of masks) {
    for (let y = 0; y < m.height; y++) {
      const row = (y + m.y) * width + m.x;
      for (let x = 0; x < m.width; x++) {
        const v = m.data[y * m.width + x];
        if (v > out[row + x]) out[row + x] = v;
      }
    }
  }
  return out;
}

export async function runJob(job: Job, engine: Engine, onProgress?: RestoreOptions["onProgress"]): Promise<JobReport> {
  const report: JobReport = { input: job.input, faces: [], skipped: [], timings: {}, notes: [] };
  try {
    const t0 = performance.now();
    formatForPath(job.output); // an unsupported output extension fails before any work
    const { image, info } = await decodeImageWithInfo(job.input);
    Object.assign(report, { width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth });
    report.timings.decode = round(performance.now() - t0);
    const o = job.options;
    const region = o.regionMask ? await loadRegionMask(o.regionMask, image.width, image.height) : o.region;
    const result = await restoreFaces(image, engine, {
      aligned: o.aligned, strength: o.strength, fidelity: o.fidelity, minFaceSize: o.minFaceSize,
      faceIndices: o.faceIndices, region, onProgress, inPlace: true,
    });
    for (const [k, v] of Object.entries(result.timings)) report.timings[k] = round(v);
    report.faces = result.faces.map((f) => ({
      index: f.index,
      box: { x: round(f.box.x), y: round(f.box.y), width: round(f.box.width), height: round(f.box.height) },
      landmarks: f.landmarks.map(([x, y]) => [round(x), round(y)] as [number, number]),
      score: round(f.score, 4),
    }));
    report.skipped = result.skipped.map((s) => ({ ...s, box: { x: round(s.box.x), y: round(s.box.y), width: round(s.box.width), height: round(s.box.height) } }));
    if (!o.aligned && result.faces.length === 0 && result.skipped.length === 0) report.notes.push("no face found");
    if (result.faces.length === 0 && result.skipped.length > 0) report.notes.push("no face restored");

    const t1 = performance.now();
    mkdirSync(path.dirname(path.resolve(job.output)), { recursive: true });
    const sameFormat = formatForPath(job.output) === info.format;
    if (result.faces.length === 0 && sameFormat && info.orientation === 1) {
      // Nothing changed: the output is the input, byte for byte (no re-encoding loss).
      if (path.resolve(job.input) !== path.resolve(job.output)) copyFileSync(job.input, job.output);
    } else {
      writeFileAtomic(job.output, await encodeImage(result.image, formatForPath(job.output)));
    }
    report.output = job.output;
    if (o.masksDir) {
      mkdirSync(o.masksDir, { recursive: true });
      const name = path.basename(job.input).replace(/\.[^.]+$/, "");
      report.masks = [];
      for (const kind of ["eyes", "mouth", "face"] as const) {
        const file = path.join(o.masksDir, `${name}.${kind}.png`);
        const data = fullMask(image.width, image.height, result.faces.map((f) => f.masks[kind]));
        writeFileAtomic(file, await encodeGreyPng(data, image.width, image.height));
        report.masks.push(file);
      }
    }
    report.timings.encode = round(performance.now() - t1);
    report.timings.total = round(performance.now() - t0);
  } catch (e) {
    report.error = (e as Error).message ?? String(e);
  }
  return report;
}
