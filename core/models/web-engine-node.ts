/**
 * The onnxruntime-web engine set up in Node the way the plugin sets it up (wasm bytes, models read by relative
 * path): for the CLI's --backend wasm, the tests and the benchmarks. Node-only.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Engine, ModelId } from "./engine.js";
import { modelRelativePath } from "./manifest.js";
import { DEFAULT_MODELS_DIR, loadManifestFile, resolveModelFile } from "./node-engine.js";
import { createWebEngine } from "./web-engine.js";

export function wasmBinaryPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm");
}

export function createWebEngineForNode(opts: { modelsDir?: string } = {}): Engine {
  const modelsDir = path.resolve(opts.modelsDir ?? DEFAULT_MODELS_DIR);
  const manifest = loadManifestFile(modelsDir);
  return createWebEngine({
    wasmBinary: readFileSync(wasmBinaryPath()),
    manifest,
    readModel: async (rel) => {
      // "<package>/<file>" for npm-shipped models, a plain name for ours.
      const id = (Object.keys(manifest.models) as ModelId[]).find((k) => modelRelativePath(manifest.models[k]!) === rel);
      if (!id) throw new Error(`no model in models.json has the path ${rel}`);
      return new Uint8Array(readFileSync(resolveModelFile(manifest, id, modelsDir)));
    },
  });
}
