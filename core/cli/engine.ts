/** The CLI's engine: backend choice, models folder, and an up-front check that the model files are there. */
import { existsSync } from "node:fs";
import path from "node:path";
import type { Engine, ModelId } from "../models/engine.js";
import { DEFAULT_MODELS_DIR, createNodeEngine, loadManifestFile, resolveModelFile } from "../models/node-engine.js";
import { createWebEngineForNode } from "../models/web-engine-node.js";

export type Backend = "node" | "wasm";

export function modelsDirFrom(option?: string): string {
  return path.resolve(option ?? process.env.SADE_MODELS_DIR ?? DEFAULT_MODELS_DIR);
}

/** Fails at once, naming every missing file, rather than after minutes of detection. */
export function checkModelFiles(modelsDir: string, ids: ModelId[]): void {
  const manifest = loadManifestFile(modelsDir);
  const missing: string[] = [];
  for (const id of ids) {
    const file = resolveModelFile(manifest, id, modelsDir);
    if (!existsSync(file)) missing.push(`  ${id}: ${file}`);
  }
  if (missing.length) {
    throw new Error(
      `model file(s) missing:\n${missing.join("\n")}\n` +
        "The parser and restorer are trained by training/ and committed to models/ (see models/models.json); " +
        "the detector and landmark models come with npm ci.",
    );
  }
}

export function createEngine(backend: Backend, modelsDir: string, threads?: number): Engine {
  if (backend === "wasm") return createWebEngineForNode({ modelsDir });
  return createNodeEngine({ modelsDir, threads });
}
