/**
 * The two backends (onnxruntime-node, onnxruntime-web wasm) behind one Engine interface: same results, model files
 * checked on load, and the Photoshop-bound code free of Node-only modules.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../core/models/engine.js";
import { Sha256, sha256Hex } from "../../core/models/sha256.js";
import { createNodeEngine, DEFAULT_MODELS_DIR } from "../../core/models/node-engine.js";
import { createWebEngineForNode } from "../../core/models/web-engine-node.js";
import { restoreFaces } from "../../core/pipeline.js";
import { REPO_ROOT } from "../../core/io/data.js";
import { copyFixtureModels } from "../fixtures/models.js";
import { fixtureModels, load, wild } from "../helpers/images.js";

let models: string;
let node: Engine, web: Engine;
beforeAll(() => {
  models = fixtureModels("smooth");
  node = createNodeEngine({ modelsDir: models });
  web = createWebEngineForNode({ modelsDir: models });
});
afterAll(async () => {
  await node.release();
  await web.release();
});

describe("both backends agree", () => {
  it("on each model, within float tolerance", async () => {
    const rnd = (n: number, s = 1) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * s);
    const cases = [
      { model: "detector", feeds: { input: { type: "float32", data: rnd(3 * 240 * 320), dims: [1, 3, 240, 320] } } },
      { model: "landmarks", feeds: { input: { type: "float32", data: rnd(64 * 64, 0.5).map((v) => v + 0.5), dims: [1, 1, 64, 64] } } },
      { model: "parser", feeds: { input: { type: "float32", data: rnd(3 * 512 * 512), dims: [1, 3, 512, 512] } } },
    ] as const;
    for (const c of cases) {
      const a = await node.run(c.model, c.feeds as never), b = await web.run(c.model, c.feeds as never);
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      for (const k of Object.keys(a)) {
        expect(a[k].dims).toEqual(b[k].dims);
        let maxDiff = 0;
        for (let i = 0; i < a[k].data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(Number(a[k].data[i]) - Number(b[k].data[i])));
        expect(maxDiff, `${c.model}.${k}`).toBeLessThan(1e-3);
      }
    }
  });

  it("on a whole photo: the same faces, landmarks within 0.05 px, pixels within 1 level", async () => {
    const img = await load(wild("whole", "Blake_Lively.jpg"));
    const a = await restoreFaces(img, node, { fidelity: 0.2 });
    const b = await restoreFaces(img, web, { fidelity: 0.2 });
    expect(a.faces.length).toBe(2);
    expect(b.faces.length).toBe(a.faces.length);
    a.faces.forEach((f, i) => f.landmarks.forEach((p, k) => {
      expect(Math.abs(p[0] - b.faces[i].landmarks[k][0])).toBeLessThan(0.05);
      expect(Math.abs(p[1] - b.faces[i].landmarks[k][1])).toBeLessThan(0.05);
    }));
    let maxDiff = 0;
    for (let i = 0; i < a.image.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.image.data[i] - b.image.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it("the restorer gets fidelity only when it takes it", async () => {
    const noF = createNodeEngine({ modelsDir: fixtureModels("no-fidelity") });
    expect((await noF.signature!("restorer")).inputs).toEqual(["input", "seg"]);
    const img = await load(wild("whole", "Blake_Lively.jpg"));
    const r = await restoreFaces(img, noF, { fidelity: 0.9 });
    expect(r.faces).toHaveLength(2);
    await noF.release();
    // With a restorer that takes it, fidelity changes the result.
    const lo = await restoreFaces(img, node, { fidelity: 0 }), hi = await restoreFaces(img, node, { fidelity: 1 });
    let d = 0;
    for (let i = 0; i < lo.image.data.length; i++) d += Math.abs(lo.image.data[i] - hi.image.data[i]);
    expect(d).toBeGreaterThan(10000);
  });
});

describe("model files are checked on load", () => {
  it("a missing file is an error naming the model and the file", async () => {
    const dir = copyFixtureModels(models, mkdtempSync(path.join(tmpdir(), "sade-models-")));
    writeFileSync(path.join(dir, "models.json"), readFileSync(path.join(dir, "models.json"), "utf8").replace('"file": "restorer.onnx"', '"file": "gone.onnx"'));
    for (const e of [createNodeEngine({ modelsDir: dir }), createWebEngineForNode({ modelsDir: dir })]) {
      await expect(e.run("restorer", {})).rejects.toThrow(/model 'restorer' file is missing.*gone\.onnx/);
      await e.release();
    }
  });

  it("an altered file is an error naming it, on both backends", async () => {
    const dir = copyFixtureModels(models, mkdtempSync(path.join(tmpdir(), "sade-models-")));
    const file = path.join(dir, "parser.onnx");
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    for (const e of [createNodeEngine({ modelsDir: dir }), createWebEngineForNode({ modelsDir: dir })]) {
      await expect(e.run("parser", {})).rejects.toThrow(/model 'parser' file .*parser\.onnx has been altered: sha256/);
      await e.release();
    }
  });

  it("the shipped manifest pins the npm-shipped models' hashes, and they match", () => {
    const m = JSON.parse(readFileSync(path.join(DEFAULT_MODELS_DIR, "models.json"), "utf8"));
    for (const id of ["detector", "landmarks", "identity"]) {
      const file = path.join(REPO_ROOT, "node_modules", m.models[id].package, m.models[id].file);
      expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(m.models[id].sha256);
    }
  });

  it("the pure-TypeScript sha256 (used where node:crypto is absent) matches node:crypto", () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 100_003]) {
      const b = new Uint8Array(randomBytes(n));
      expect(sha256Hex(b)).toBe(createHash("sha256").update(b).digest("hex"));
    }
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // Fed in pieces of any size (the plugin hashes models piece by piece between yields): the same digest.
    const b = new Uint8Array(randomBytes(200_017));
    for (const piece of [1, 63, 64, 65, 4097, 65536]) {
      const h = new Sha256();
      for (let off = 0; off < b.length; off += piece) h.update(b.subarray(off, off + piece));
      expect(h.hex(), `pieces of ${piece}`).toBe(createHash("sha256").update(b).digest("hex"));
    }
  });
});

describe("the Photoshop-bound code", () => {
  it("pipeline.ts and web-engine.ts bundle for a browser-like host with no Node module", async () => {
    const out = await build({
      stdin: {
        contents: 'export { restoreFaces, detectFaces, parseFace } from "./core/pipeline.ts"; export { createWebEngine } from "./core/models/web-engine.ts";',
        resolveDir: REPO_ROOT,
        loader: "ts",
      },
      bundle: true,
      platform: "browser",
      format: "iife",
      write: false,
      logLevel: "silent",
      metafile: true,
    });
    const inputs = Object.keys(out.metafile!.inputs);
    expect(inputs.some((f) => f.includes("core/pipeline.ts"))).toBe(true);
    expect(inputs.filter((f) => /^(node:|fs$|path$|crypto$|worker_threads$)|sharp|onnxruntime-node/.test(f))).toEqual([]);
  });
});
