// Identity distance (IDD): the angle in radians between the 512-D embeddings of two faces by the identity model
// we ship (npm faceplugin-face-recognition-js, fr_feature.onnx), after warping each FFHQ-aligned face to the
// ArcFace 112 template. Lower is better; 0 = same embedding.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { ARCFACE_112_TEMPLATE, FFHQ_512_TEMPLATE, fitSimilarity, warpAffineBilinear, type Point } from "./similarity.js";
import type { RgbImage } from "./rgb.js";

const SIZE = 112;

export function defaultIdentityModelPath(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("faceplugin-face-recognition-js/package.json");
  return join(dirname(pkg), "model", "fr_feature.onnx");
}

export class IdentityModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async load(modelPath = defaultIdentityModelPath(), threads = 2): Promise<IdentityModel> {
    if (!existsSync(modelPath)) throw new Error(`${modelPath}: identity model not found (npm faceplugin-face-recognition-js)`);
    const session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    return new IdentityModel(session);
  }

  /** Unit-length embedding of a face aligned to the FFHQ template (any square size; the template scales with it). */
  async embed(face: RgbImage): Promise<Float32Array> {
    const s = face.width / 512;
    const src: Point[] = FFHQ_512_TEMPLATE.map(([x, y]) => [x * s, (y * face.height) / 512]);
    const crop = warpAffineBilinear(face, fitSimilarity(src, ARCFACE_112_TEMPLATE), SIZE, SIZE);
    const plane = SIZE * SIZE;
    const input = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) input[c * plane + i] = (crop.data[i * 3 + c] - 127.5) / 128;
    }
    const out = await this.session.run({ input: new ort.Tensor("float32", input, [1, 3, SIZE, SIZE]) });
    const e = out["output"].data as Float32Array;
    let n = 0;
    for (const v of e) n += v * v;
    n = Math.sqrt(n);
    return Float32Array.from(e, (v) => v / n);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Angle (radians) between two unit embeddings. */
export function embeddingAngle(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return Math.acos(Math.min(1, Math.max(-1, dot)));
}

export async function idd(model: IdentityModel, a: RgbImage, b: RgbImage): Promise<number> {
  return embeddingAngle(await model.embed(a), await model.embed(b));
}
