/**
 * Globals that onnxruntime-web's Emscripten glue reads and that UXP does not document: fill them in when missing.
 * Imported first by main.ts.
 */
const g = globalThis as { performance?: { now(): number; timeOrigin?: number } };
if (typeof g.performance?.now !== "function") {
  // The glue reads performance.timeOrigin + performance.now() for its clocks.
  const origin = Date.now();
  g.performance = { now: () => Date.now() - origin, timeOrigin: origin };
} else if (typeof g.performance.timeOrigin !== "number") {
  g.performance.timeOrigin = Date.now() - g.performance.now();
}
export {};
