/** The restorer: a 512x512 aligned face plus the parser's Z_seg in, the restored face out (models/models.json). */
import { checkAbort, expectFloat32, type Engine } from "../models/engine.js";
import type { Planar } from "../image/warp.js";
import { NUM_CLASSES, PROBS_SIZE } from "../parse/parse.js";
import { fromModelOutput, toModelInput } from "./tensor.js";

/**
 * The fidelity the SDK, the CLI and the panel start at. It belongs to the shipped restorer: each model's w scale is
 * its own. For v46 (models/restorer.md) 0.3 is where it draws the most texture while keeping the input's structure:
 * on val-100 it is better than v38's old default 0.5 on SSIM, LPIPS, NIQE and identity; at 0.5 it is more faithful
 * and draws less.
 */
export const DEFAULT_FIDELITY = 0.3;

export async function restoreCrop(
  crop: Planar, seg: Float32Array, engine: Engine, fidelity = DEFAULT_FIDELITY, signal?: AbortSignal,
): Promise<Planar> {
  if (crop.width !== 512 || crop.height !== 512) throw new Error(`restorer needs a 512x512 crop, got ${crop.width}x${crop.height}`);
  checkAbort(signal);
  const out = await engine.run("restorer", {
    input: toModelInput(crop),
    seg: { type: "float32", data: seg, dims: [1, NUM_CLASSES, PROBS_SIZE, PROBS_SIZE] },
    // Given to models that take it; the engine leaves it out for those that do not.
    fidelity: { type: "float32", data: new Float32Array([Math.min(1, Math.max(0, fidelity))]), dims: [1] },
  });
  return fromModelOutput(expectFloat32(out, "output", "restorer", 3 * 512 * 512), 512, 512);
}
