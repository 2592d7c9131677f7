// One `sade bench` case: a synthetic photo restored once after a warm-up, with stage times and peak RSS. bench.ts
// runs each case in its own process (case-main.ts) so that the peak RSS is the case's own.
import { restoreFaces, type Stage } from "../pipeline.js";
import type { Engine, ModelId } from "../models/engine.js";
import { createNodeEngine } from "../models/node-engine.js";
import { createWebEngineForNode } from "../models/web-engine-node.js";
import { synthPhoto } from "./synth.js";
import { TimingEngine } from "./timing-engine.js";

export type Backend = "node" | "wasm";
export const STAGES: readonly Stage[] = ["detect", "align", "parse", "restore", "paste"];

export interface CaseSpec {
  backend: Backend;
  megapixels: number;
  faces: number;
  faceFiles: string[];
  modelsDir?: string;
  threads?: number;
}

export interface CaseResult {
  backend: Backend;
  engine: string;
  megapixels: number;
  width: number;
  height: number;
  facesPlaced: number;
  facesRestored: number;
  /** whole photo, after a warm-up run that created the sessions */
  totalMs: number;
  /** the warm-up run on a 0.25 MP one-face photo, session creation included */
  warmupMs: number;
  /** per face: the pipeline's stage timings divided by the faces restored; null where it gave none */
  perFaceMs: Record<Stage, number | null>;
  /** time inside each model (all faces) */
  modelMs: Partial<Record<ModelId, number>>;
  modelCalls: Partial<Record<ModelId, number>>;
  peakRssMiB: number;
}

function createEngine(spec: CaseSpec): Engine {
  if (spec.backend === "node") return createNodeEngine({ modelsDir: spec.modelsDir, threads: spec.threads });
  return createWebEngineForNode({ modelsDir: spec.modelsDir });
}

export async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const timing = new TimingEngine(createEngine(spec));
  try {
    const warm = await synthPhoto({ megapixels: 0.25, faces: 1, faceFiles: spec.faceFiles });
    let t = performance.now();
    await restoreFaces(warm, timing, {});
    const warmupMs = performance.now() - t;
    timing.reset();

    const photo = await synthPhoto({ megapixels: spec.megapixels, faces: spec.faces, faceFiles: spec.faceFiles });
    t = performance.now();
    const result = await restoreFaces(photo, timing, {});
    const totalMs = performance.now() - t;
    const restored = result.faces.length;

    // The pipeline's own stage clocks (summed over faces); detection is per photo, shown per face like the rest.
    const perFaceMs = Object.fromEntries(
      STAGES.map((s) => [s, typeof result.timings[s] === "number" ? result.timings[s] / Math.max(1, restored) : null]),
    ) as Record<Stage, number | null>;
    return {
      backend: spec.backend,
      engine: timing.name ?? spec.backend,
      megapixels: spec.megapixels,
      width: photo.width,
      height: photo.height,
      facesPlaced: spec.faces,
      facesRestored: restored,
      totalMs,
      warmupMs,
      perFaceMs,
      modelMs: Object.fromEntries(timing.ms),
      modelCalls: Object.fromEntries(timing.calls),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await timing.release();
  }
}
