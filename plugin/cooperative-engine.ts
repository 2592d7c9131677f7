/**
 * UXP runs the panel and onnxruntime-web on one thread: while a model runs the panel cannot repaint or hear Cancel.
 * This wrapper hands the thread back to the event loop before every model call, then stops if the user cancelled,
 * so the panel freezes for at most one model call at a time.
 */
import { abortError, type Engine, type ModelId, type TensorData } from "../core/models/engine.js";

export interface ModelCallRecord {
  model: ModelId;
  ms: number;
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function now(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}

export function cooperativeEngine(
  engine: Engine,
  isCancelled: () => boolean,
  onCall?: (record: ModelCallRecord) => void,
): Engine {
  return {
    name: engine.name,
    signature: engine.signature ? (model) => engine.signature!(model) : undefined,
    release: () => engine.release(),
    async run(model: ModelId, feeds: Record<string, TensorData>) {
      await yieldToEventLoop();
      if (isCancelled()) throw abortError();
      const t0 = now();
      const out = await engine.run(model, feeds);
      onCall?.({ model, ms: now() - t0 });
      return out;
    },
  };
}
