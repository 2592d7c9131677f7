/** The restorer: a 512x512 aligned face plus the parser's Z_seg in, the restored face out (models/models.json). */
import { checkAbort, expectFloat32, type Engine } from "../models/engine.js";
import type { Planar } from "../image/warp.js";
import { NUM_CLASSES, PROBS_SIZE } from "../parse/parse.js";
import { fromModelOutput, toModelInput } from "./tensor.js";

export async function restoreCrop(
  crop: Planar, seg: Float32Array, engine: Engine, fidelity = 0.5, signal?: AbortSignal,
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
