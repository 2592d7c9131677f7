/**
 * models/models.json: the ONNX contract between training/ and core/. Pure data handling (no file access), so the
 * plugin can use it with bytes it reads itself.
 */
import type { ModelId } from "./engine.js";

export interface TensorSpec {
  type: string;
  shape: number[];
  range?: [number, number];
  layout?: string;
  meaning?: string;
}

export interface ModelEntry {
  /** Path of the ONNX file: relative to the models folder, or to the npm package when `package` is set. */
  file: string;
  /** npm package that ships the file (models we do not train). */
  package?: string;
  /** Hex SHA-256 of the file; checked on load. Empty only before a model is first committed. */
  sha256: string;
  card?: string;
  task?: string;
  inputs?: Record<string, TensorSpec>;
  outputs?: Record<string, TensorSpec>;
  labels?: string[];
  regions?: Record<string, number[]>;
  licence?: string;
  training_data?: string;
  [extra: string]: unknown;
}

export interface Manifest {
  about?: string;
  models: Partial<Record<ModelId, ModelEntry>> & Record<string, ModelEntry>;
}

export const MODEL_IDS: ModelId[] = ["parser", "restorer", "detector", "landmarks", "identity"];

export function parseManifest(value: unknown, source = "models.json"): Manifest {
  const m = value as Manifest;
  if (!m || typeof m !== "object" || !m.models || typeof m.models !== "object") {
    throw new Error(`${source}: not a model manifest (no "models" object)`);
  }
  for (const [id, entry] of Object.entries(m.models)) {
    if (!entry || typeof entry.file !== "string" || !entry.file) throw new Error(`${source}: model '${id}' has no "file"`);
    if (typeof entry.sha256 !== "string") throw new Error(`${source}: model '${id}' has no "sha256" string`);
  }
  return m;
}

export function modelEntry(manifest: Manifest, id: ModelId): ModelEntry {
  const entry = manifest.models[id];
  if (!entry) throw new Error(`models.json has no entry for model '${id}'`);
  return entry;
}

/**
 * The path by which a model file is asked for: "parser.onnx" for our own models, "<package>/<file>" for files
 * shipped in npm packages (the CLI resolves the package in node_modules; the plugin copies it under that path).
 */
export function modelRelativePath(entry: ModelEntry): string {
  return entry.package ? `${entry.package}/${entry.file}` : entry.file;
}

/** Throws a clear error naming the model and file when the bytes are not the ones the manifest pins. */
export function verifyModelBytes(id: string, where: string, actualSha256: string, entry: ModelEntry): void {
  if (!entry.sha256) return; // not pinned yet (a model before its first commit); scripts/update-model-hashes.mjs pins it
  if (actualSha256.toLowerCase() !== entry.sha256.toLowerCase()) {
    throw new Error(
      `model '${id}' file ${where} has been altered: sha256 ${actualSha256} does not match models.json ` +
        `(${entry.sha256}). Restore the file or, if it was retrained on purpose, run scripts/update-model-hashes.mjs.`,
    );
  }
}
