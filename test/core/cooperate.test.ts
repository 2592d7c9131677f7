/**
 * restoreFaces sharing its thread with a host (options.cooperate), as in the Photoshop panel: between model calls
 * no stretch of synchronous pixel work may be longer than a model call, and the pixels are the same as without.
 * Real face, trained models on onnxruntime-node; the host here yields before every model call as the panel does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cooperation, Pacer, runSteps } from "../../core/cooperate.js";
import type { Image } from "../../core/image/types.js";
import type { Engine, ModelId, TensorData } from "../../core/models/engine.js";
import { createNodeEngine } from "../../core/models/node-engine.js";
import { type RestoreResult, restoreFaces } from "../../core/pipeline.js";
import { composePortrait, hasData } from "../plugin/portraits.js";

const yieldToHost = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

interface Run {
  result: RestoreResult;
  longestCall: { model: ModelId; ms: number };
  /** The longest time the event loop did not come back, less the model call inside it (if any). */
  longestPixelWork: number;
}

/** Runs restoreFaces with a 5 ms heartbeat and an engine that, like the panel's, yields before each call. */
async function measured(image: Image, engine: Engine, cooperate?: Cooperation): Promise<Run> {
  const calls: { model: ModelId; start: number; end: number }[] = [];
  const host: Engine = {
    release: () => engine.release(),
    async run(model: ModelId, feeds: Record<string, TensorData>) {
      await yieldToHost();
      const start = performance.now();
      const out = await engine.run(model, feeds);
      calls.push({ model, start, end: performance.now() });
      return out;
    },
  };
  const gaps: [number, number][] = [];
  let last = performance.now();
  const heartbeat = setInterval(() => {
    const t = performance.now();
    gaps.push([last, t]);
    last = t;
  }, 5);
  try {
    const result = await restoreFaces(image, host, { inPlace: false, cooperate });
    await yieldToHost();
    const lastGap: [number, number] = [last, performance.now()];
    let longestPixelWork = 0;
    for (const [g0, g1] of [...gaps, lastGap]) {
      let inCalls = 0;
      for (const c of calls) inCalls += Math.max(0, Math.min(g1, c.end) - Math.max(g0, c.start));
      longestPixelWork = Math.max(longestPixelWork, g1 - g0 - inCalls);
    }
    const longest = calls.reduce((a, c) => (c.end - c.start > a.end - a.start ? c : a));
    return { result, longestCall: { model: longest.model, ms: longest.end - longest.start }, longestPixelWork };
  } finally {
    clearInterval(heartbeat);
  }
}

describe.skipIf(!hasData())("restoreFaces sharing its thread with a host", () => {
  let engine: Engine;
  let image: Image;
  beforeAll(async () => {
    engine = createNodeEngine();
    // One face filling a 1600x1600 photo: paste-back and masks cover about a million pixels.
    const p = await composePortrait(1600, 1600, 1, 1400);
    image = { width: p.width, height: p.height, channels: 3, bitDepth: 8, data: p.rgb };
    // Sessions created and warm, so that every run below measures model calls alike.
    await restoreFaces(image, engine);
  });
  afterAll(async () => {
    await engine?.release();
  });

  it("no stretch of pixel work between model calls is longer than a model call; the pixels are the same", async () => {
    const straight = await measured(image, engine);
    const shared = await measured(image, engine, { yieldToHost, sliceMs: 40 });
    const say = (r: Run) => `${r.longestPixelWork.toFixed(0)} ms of pixel work in one stretch; longest model call ${r.longestCall.ms.toFixed(0)} ms (${r.longestCall.model})`;
    console.log(`straight through: ${say(straight)}\nsharing the thread: ${say(shared)}`);

    expect(shared.result.faces).toHaveLength(1);
    expect(Buffer.compare(Buffer.from(shared.result.image.data), Buffer.from(straight.result.image.data))).toBe(0);
    shared.result.faces.forEach((f, i) => {
      const g = straight.result.faces[i];
      expect(f.landmarks).toEqual(g.landmarks);
      for (const k of ["eyes", "mouth", "face"] as const) {
        expect([f.masks[k].x, f.masks[k].y, f.masks[k].width, f.masks[k].height]).toEqual([g.masks[k].x, g.masks[k].y, g.masks[k].width, g.masks[k].height]);
        expect(Buffer.compare(f.masks[k].data, g.masks[k].data)).toBe(0);
      }
    });

    // The measurement sees what it must prevent: straight through, the paste-back is one long stretch.
    expect(straight.longestPixelWork).toBeGreaterThan(straight.longestCall.ms);
    expect(shared.longestPixelWork, say(shared)).toBeLessThanOrEqual(shared.longestCall.ms);
  });
});

describe("Pacer", () => {
  it("yields only when the slice is used up, and not at all without a host", async () => {
    let yields = 0;
    const pacer = new Pacer({ yieldToHost: async () => void yields++, sliceMs: 1000 });
    await pacer.pause();
    expect(yields).toBe(0);
    const busy = new Pacer({ yieldToHost: async () => void yields++, sliceMs: 0 });
    function* steps() {
      for (let i = 0; i < 5; i++) yield;
      return 42;
    }
    expect(await busy.run(steps())).toBe(42);
    expect(yields).toBe(5);
    expect(await new Pacer().run(steps())).toBe(42);
    expect(runSteps(steps())).toBe(42);
    expect(() => new Pacer({ yieldToHost, sliceMs: -1 })).toThrow(/sliceMs/);
  });
});
