// LPIPS v0.1 with the SqueezeNet backbone. The published weights are PyTorch .pth files; a build step
// (scripts/export-lpips-squeeze.py, python3 + torch) exports them once to ONNX in .cache/, which onnxruntime-node
// then runs. Python is only needed the first time, on a developer's machine; the ONNX file can also be given.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { cacheDir, repoRoot } from "./assets.js";
import { assertSameSize, type RgbImage } from "./rgb.js";

const EXPORT_SCRIPT = "scripts/export-lpips-squeeze.py";

function weightFiles(weightsDir: string): { backbone: string; head: string } {
  const backbone = join(weightsDir, "backbone.pth");
  const head = join(weightsDir, "head-v0.1.pth");
  for (const f of [backbone, head]) {
    if (!existsSync(f)) {
      throw new Error(`${f}: LPIPS weight file missing (expected backbone.pth and head-v0.1.pth in ${weightsDir}; pass --lpips-weights DIR)`);
    }
  }
  return { backbone, head };
}

/** Python interpreters to try, in order: $SADE_PYTHON, python3 on PATH, the system one. */
function pythonCandidates(): string[] {
  const list = [process.env.SADE_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => !!p);
  return [...new Set(list)];
}

function findTorchPython(): string {
  const tried: string[] = [];
  for (const py of pythonCandidates()) {
    const r = spawnSync(py, ["-c", "import torch, torchvision"], { encoding: "utf8" });
    if (r.status === 0) return py;
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr || "").trim().split("\n").pop()}`);
  }
  throw new Error(
    "LPIPS: exporting the SqueezeNet weights to ONNX needs python3 with torch and torchvision " +
      "(Debian: apt-get install -y python3-torch python3-torchvision; or set SADE_PYTHON). Tried:\n  " +
      tried.join("\n  "),
  );
}

/**
 * The cached ONNX export for these weights, built if missing. The cache key is a hash of the weight files, so
 * other weights never reuse a stale export.
 */
export function ensureLpipsOnnx(weightsDir: string, log: (msg: string) => void = () => {}): string {
  const { backbone, head } = weightFiles(weightsDir);
  const hash = createHash("sha256").update(readFileSync(backbone)).update(readFileSync(head)).digest("hex").slice(0, 16);
  const dir = join(cacheDir(), "metrics");
  const target = join(dir, `lpips-squeeze-v0.1-${hash}.onnx`);
  if (existsSync(target)) return target;
  mkdirSync(dir, { recursive: true });
  const python = findTorchPython();
  log(`LPIPS: exporting ${weightsDir} to ${target} with ${python} (once)`);
  const tmp = `${target}.${process.pid}.tmp`;
  const script = join(repoRoot(), EXPORT_SCRIPT);
  const r = spawnSync(python, [script, "--backbone", backbone, "--head", head, "--out", tmp], { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`LPIPS: ${script} failed (exit ${r.status}):\n${(r.stderr || r.error?.message || "").trim()}`);
  }
  renameSync(tmp, target);
  return target;
}

export class LpipsModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** From an ONNX export (a, b in [-1, 1] -> distance), or from the .pth folder via the cache. */
  static async load(opts: { onnx?: string; weightsDir?: string; threads?: number; log?: (m: string) => void }): Promise<LpipsModel> {
    const path = opts.onnx ?? ensureLpipsOnnx(opts.weightsDir ?? "", opts.log);
    if (!existsSync(path)) throw new Error(`${path}: LPIPS ONNX model not found`);
    const session = await ort.InferenceSession.create(path, {
      executionProviders: ["cpu"],
      intraOpNumThreads: opts.threads ?? 2,
      interOpNumThreads: 1,
    });
    return new LpipsModel(session);
  }

  /** LPIPS distance of two RGB images of the same size (>= 32 px a side). Lower is better. */
  async distance(a: RgbImage, b: RgbImage): Promise<number> {
    assertSameSize(a, b, "lpips");
    if (a.width < 32 || a.height < 32) throw new Error(`lpips: images must be at least 32x32, got ${a.width}x${a.height}`);
    const out = await this.session.run({ a: toTensor(a), b: toTensor(b) });
    return Number((out["distance"].data as Float32Array)[0]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function toTensor(img: RgbImage): ort.Tensor {
  const plane = img.width * img.height;
  const t = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) t[c * plane + i] = (img.data[i * 3 + c] / 255) * 2 - 1;
  }
  return new ort.Tensor("float32", t, [1, 3, img.height, img.width]);
}
