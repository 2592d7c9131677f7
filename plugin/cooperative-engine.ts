/**
 * UXP runs the panel and onnxruntime-web on one thread: while a model runs the panel cannot repaint or hear Cancel.
 * This wrapper hands the thread back to the event loop before every model call (and, the first time a model is
 * used, between creating its session and running it), then stops if the user cancelled, so the panel freezes for
 * at most one model call at a time. The SDK's own pixel work hands the thread back through PANEL_COOPERATION.
 */
import type { Cooperation } from "../core/cooperate.js";
import { abortError, type Engine, type ModelId, type TensorData } from "../core/models/engine.js";

export interface ModelCallRecord {
  model: ModelId;
  ms: number;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * How the SDK shares the panel's thread: a macrotask yield after at most 40 ms of pixel work (a model call takes
 * 20 ms to a second; a yield costs a few milliseconds).
 */
const SLICE_MS = 40;
export const PANEL_COOPERATION: Cooperation = { yieldToHost: yieldToEventLoop, sliceMs: SLICE_MS };

export function now(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}

export function cooperativeEngine(
  engine: Engine,
  isCancelled: () => boolean,
  onCall?: (record: ModelCallRecord) => void,
  onLoad?: (record: ModelCallRecord) => void,
): Engine {
  const loaded = new Set<ModelId>();
  const pause = async () => {
    await yieldToEventLoop();
    if (isCancelled()) throw abortError();
  };
  return {
    name: engine.name,
    signature: engine.signature ? (model) => engine.signature!(model) : undefined,
    release: () => engine.release(),
    async run(model: ModelId, feeds: Record<string, TensorData>) {
      if (engine.load && !loaded.has(model)) {
        // Reading, checking and compiling a model is as long as a model call: give it a turn of its own.
        await pause();
        const t0 = now();
        await engine.load(model);
        onLoad?.({ model, ms: now() - t0 });
        loaded.add(model);
      }
      await pause();
      const t0 = now();
      const out = await engine.run(model, feeds);
      const ms = now() - t0;
      onCall?.({ model, ms });
      // After a long call, hand the thread back before the SDK converts its output: otherwise the call and the
      // first slice of pixel work after it (up to sliceMs) run as one stretch, a little longer than the call.
      if (ms > SLICE_MS) await pause();
      return out;
    },
  };
}
