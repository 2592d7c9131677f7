/**
 * Creates the in-process engine from files in the plugin folder, on first use: entrypoint callbacks must return
 * within 300 ms, and the wasm binary alone is 14 MB.
 */
import type { Engine } from "../core/models/engine.js";
import { createWebEngine } from "../core/models/web-engine.js";
import { PANEL_COOPERATION } from "./cooperative-engine.js";
import { messages } from "./errors.js";
import type { UxpFs } from "./host/photoshop-api.js";
import { hasWasmSimd } from "./simd.js";

export const WASM_PATH = "plugin:/ort/ort-wasm-simd-threaded.wasm";
export const MODELS_DIR = "plugin:/models/";
export const MANIFEST_PATH = MODELS_DIR + "models.json";

async function readBytes(fs: UxpFs, path: string): Promise<Uint8Array> {
  let buf: ArrayBuffer;
  try {
    buf = await fs.readFile(path);
  } catch (e) {
    throw messages.missingFile(path, (e as { message?: string } | null)?.message ?? String(e));
  }
  return new Uint8Array(buf);
}

export async function loadPluginEngine(fs: UxpFs, wasm = globalThis.WebAssembly): Promise<Engine> {
  if (!hasWasmSimd(wasm)) throw messages.noSimd();
  const wasmBinary = await readBytes(fs, WASM_PATH);
  // The manifest travels with the model files (the build writes it next to them), not inside the bundle.
  let text: string;
  try {
    text = await fs.readFile(MANIFEST_PATH, { encoding: "utf-8" });
  } catch (e) {
    throw messages.missingFile(MANIFEST_PATH, (e as { message?: string } | null)?.message ?? String(e));
  }
  let manifest: object;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw messages.missingFile(MANIFEST_PATH, `not valid JSON: ${(e as Error).message}`);
  }
  return createWebEngine({
    wasmBinary,
    manifest,
    readModel: (relativePath) => readBytes(fs, MODELS_DIR + relativePath),
    cooperate: PANEL_COOPERATION,
  });
}

/** One engine per panel session, created when first needed and reused by later clicks. */
export function lazyEngine(create: () => Promise<Engine>): { get(): Promise<Engine>; release(): Promise<void> } {
  let engine: Promise<Engine> | null = null;
  return {
    get() {
      if (!engine) {
        engine = create();
        engine.catch(() => (engine = null)); // a failed load is retried on the next click
      }
      return engine;
    },
    async release() {
      const e = engine;
      engine = null;
      if (e) await (await e).release().catch(() => undefined);
    },
  };
}
