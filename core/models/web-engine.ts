/**
 * onnxruntime-web (wasm) backend: the path Photoshop uses, and it runs in Node too. Single-threaded, no proxy worker,
 * wasm binary given as bytes. Must not import Node modules: the plugin bundles this file for a browser-like host.
 */
import * as ort from "onnxruntime-web/wasm";
import { type Cooperation, pacerFor } from "../cooperate.js";
import type { Engine } from "./engine.js";
import { modelEntry, modelRelativePath, parseManifest, verifyModelBytes } from "./manifest.js";
import { OrtEngine, type OrtLike } from "./ort-session.js";
import { Sha256 } from "./sha256.js";

export interface WebEngineOptions {
  /** Bytes of onnxruntime-web's dist/ort-wasm-simd-threaded.wasm. */
  wasmBinary: ArrayBuffer | Uint8Array;
  /**
   * Reads a model file by its relative path: "parser.onnx" for our models, "<npm package>/<file>" for models that
   * come from a package (see modelRelativePath in manifest.ts).
   */
  readModel: (relativePath: string) => Promise<Uint8Array>;
  /** The parsed models/models.json. */
  manifest: object;
  /** Check each file's sha256 against the manifest before loading (default true; pure-JS hashing). */
  verify?: boolean;
  /**
   * Hash in pieces, handing the thread back to the host between them (the restorer's 11 MB take about a second
   * of pure-JS hashing on a loaded 2-core machine). Session creation itself is one call into the wasm.
   */
  cooperate?: Cooperation;
}

/** Bytes hashed between two looks at the clock. */
const HASH_PIECE = 1 << 16;

export function createWebEngine(opts: WebEngineOptions): Engine {
  const manifest = parseManifest(opts.manifest);
  // onnxruntime-web's env is global and read once, when its wasm module first initialises.
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = opts.wasmBinary;
  const verify = opts.verify ?? true;
  return new OrtEngine(
    "onnxruntime-web",
    ort as unknown as OrtLike,
    async (id) => {
      const entry = modelEntry(manifest, id);
      const rel = modelRelativePath(entry);
      let bytes: Uint8Array;
      try {
        bytes = await opts.readModel(rel);
      } catch (e) {
        throw new Error(`model '${id}' file is missing or unreadable: ${rel} (${(e as Error).message ?? e})`);
      }
      if (verify) {
        const pacer = pacerFor(opts.cooperate);
        const hash = new Sha256();
        for (let off = 0; off < bytes.length; off += HASH_PIECE) {
          hash.update(bytes.subarray(off, off + HASH_PIECE));
          await pacer.pause();
        }
        verifyModelBytes(id, rel, hash.hex(), entry);
      }
      return bytes;
    },
    { executionProviders: ["wasm"], graphOptimizationLevel: "all" },
  );
}
