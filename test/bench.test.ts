// `sade bench` on a small configuration: one real face on a 0.5 MP photo, both backends, each case in its own
// process. Uses the trained models in models/ when present, else the contract-conforming fixture parser and
// restorer of test/plugin/fixture-models.ts (plumbing only: the numbers then say nothing about speed).
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registerBench } from "../core/cli/commands/bench.js";
import { cacheDir, repoRoot, sharedRoot } from "../core/metrics/assets.js";
import type { BenchReport } from "../core/bench/bench.js";
import { runCommand } from "./helpers/cli.js";
import { fixtureParser, fixtureRestorer } from "./plugin/fixture-models.js";

// Inside the repository, so that npm-shipped models (detector, landmarks) resolve from its node_modules.
const work = join(cacheDir(), `bench-test-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function modelsDir(): { dir?: string; fixtures: string[] } {
  const fixtures = (["parser", "restorer"] as const).filter((id) => !existsSync(join(repoRoot(), "models", `${id}.onnx`)));
  if (fixtures.length === 0) return { fixtures };
  const dir = join(work, "models");
  mkdirSync(dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(repoRoot(), "models", "models.json"), "utf8"));
  for (const id of ["parser", "restorer"] as const) {
    const file = join(repoRoot(), "models", `${id}.onnx`);
    if (fixtures.includes(id)) {
      writeFileSync(join(dir, `${id}.onnx`), id === "parser" ? fixtureParser() : fixtureRestorer());
      manifest.models[id].sha256 = "";
    } else {
      copyFileSync(file, join(dir, `${id}.onnx`));
    }
  }
  writeFileSync(join(dir, "models.json"), JSON.stringify(manifest, null, 2));
  return { dir, fixtures };
}

describe("sade bench", () => {
  it("times stages per face, the whole photo and peak RSS on both backends, and writes JSON", async () => {
    const models = modelsDir();
    const json = join(work, "bench.json");
    const run = await runCommand(registerBench, [
      "bench", "--mp", "0.5", "--faces", "1", "--backend", "node,wasm", "--json", json,
      "--faces-dir", join(sharedRoot(), "data", "celebahq-512", "val", "images"),
      ...(models.dir ? ["--models", models.dir] : []),
    ]);
    expect(run.code, run.error?.message).toBe(0);
    const report = JSON.parse(readFileSync(json, "utf8")) as BenchReport;
    expect(report.cases.map((c) => c.backend)).toEqual(["node", "wasm"]);
    for (const c of report.cases) {
      expect(c.width * c.height).toBeGreaterThan(0.45e6);
      expect(c.facesRestored, `${c.backend}: the face on the photo must be found and restored`).toBe(1);
      expect(c.totalMs).toBeGreaterThan(0);
      expect(c.perFaceMs.detect).toBeGreaterThan(0);
      expect(c.perFaceMs.restore).toBeGreaterThan(0);
      expect(c.perFaceMs.parse).toBeGreaterThan(0);
      expect(c.modelCalls.restorer).toBe(1);
      expect(c.peakRssMiB).toBeGreaterThan(50);
    }
    const out = run.out;
    expect(out).toMatch(/\| backend \| photo \| faces placed \/ restored \| detect \/ face \| align \/ face \| parse \/ face \| restore \/ face \| paste \/ face \| whole photo \| peak RSS \|/);
    expect(out.match(/0\.5 MP \(\d+x\d+\) \| 1 \/ 1 \|/g)).toHaveLength(2);
  });
});
