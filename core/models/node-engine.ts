/** onnxruntime-node backend (CLI default). Node-only: reads model files and checks their sha256. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import type { Engine, ModelId } from "./engine.js";
import { type Manifest, modelEntry, parseManifest, verifyModelBytes } from "./manifest.js";
import { OrtEngine, type OrtLike } from "./ort-session.js";

/** The repository's models/ folder. */
export const DEFAULT_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../models");

export interface NodeEngineOptions {
  /** Folder holding models.json and our own ONNX files (default: the repository's models/). */
  modelsDir?: string;
  /** intra-op threads per session (default: all cores). */
  threads?: number;
}

export function loadManifestFile(modelsDir: string): Manifest {
  const file = path.join(modelsDir, "models.json");
  if (!existsSync(file)) throw new Error(`model manifest not found: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`model manifest ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseManifest(json, file);
}

/** Absolute path of a model's file: in modelsDir, or inside its npm package. */
export function resolveModelFile(manifest: Manifest, id: ModelId, modelsDir: string): string {
  const entry = modelEntry(manifest, id);
  if (!entry.package) return path.resolve(modelsDir, entry.file);
  // The package as seen from the models folder, else from the SDK itself (a models folder outside the repo).
  for (const from of [path.join(modelsDir, "models.json"), fileURLToPath(import.meta.url)]) {
    try {
      return path.join(path.dirname(createRequire(from).resolve(`${entry.package}/package.json`)), entry.file);
    } catch {
      /* try the next place */
    }
  }
  throw new Error(`model '${id}' comes from npm package '${entry.package}', which is not installed (run npm ci)`);
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Reads a model file and checks it against the manifest; the errors name the file. */
export function readCheckedModel(manifest: Manifest, id: ModelId, modelsDir: string): Uint8Array {
  const entry = modelEntry(manifest, id);
  const file = resolveModelFile(manifest, id, modelsDir);
  if (!existsSync(file)) {
    const hint = entry.package
      ? "reinstall the package (npm ci)"
      : "the trained model has not been added to models/ yet (see models/models.json and training/)";
    throw new Error(`model '${id}' file is missing: ${file} — ${hint}`);
  }
  const bytes = readFileSync(file);
  verifyModelBytes(id, file, createHash("sha256").update(bytes).digest("hex"), entry);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function createNodeEngine(opts: NodeEngineOptions = {}): Engine {
  const modelsDir = path.resolve(opts.modelsDir ?? DEFAULT_MODELS_DIR);
  const manifest = loadManifestFile(modelsDir);
  const threads = Math.max(1, Math.floor(opts.threads ?? cpus().length));
  return new OrtEngine(
    "onnxruntime-node",
    ort as unknown as OrtLike,
    async (id) => readCheckedModel(manifest, id, modelsDir),
    {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      // Spinning threads steal the cores from the other workers and processes on small machines.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    },
  );
}
