/**
 * The onnxruntime-web engine set up in Node the way the plugin sets it up (wasm bytes, models read by relative
 * path): for the CLI's --backend wasm, the tests and the benchmarks. Node-only.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Engine } from "./engine.js";
import { DEFAULT_MODELS_DIR, loadManifestFile } from "./node-engine.js";
import { createWebEngine } from "./web-engine.js";

export function wasmBinaryPath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm");
}

export function createWebEngineForNode(opts: { modelsDir?: string } = {}): Engine {
  const modelsDir = path.resolve(opts.modelsDir ?? DEFAULT_MODELS_DIR);
  const manifest = loadManifestFile(modelsDir);
  const require = createRequire(path.join(modelsDir, "models.json"));
  return createWebEngine({
    wasmBinary: readFileSync(wasmBinaryPath()),
    manifest,
    readModel: async (rel) => {
      // "<package>/<file>" for npm-shipped models, a plain name for ours.
      const entry = Object.values(manifest.models).find((m) => (m.package ? `${m.package}/${m.file}` : m.file) === rel);
      if (entry?.package) {
        const pkgDir = path.dirname(require.resolve(`${entry.package}/package.json`));
        return new Uint8Array(readFileSync(path.join(pkgDir, entry.file)));
      }
      return new Uint8Array(readFileSync(path.join(modelsDir, rel)));
    },
  });
}
