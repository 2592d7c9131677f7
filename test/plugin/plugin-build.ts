/**
 * Builds the plugin folder for tests with scripts/build-plugin.mjs: the trained parser/restorer from models/ when
 * they are there, else the small contract-conforming fixtures from fixture-models.ts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error: plain .mjs script without type declarations
import { buildPlugin } from "../../scripts/build-plugin.mjs";
import { fixtureParser, fixtureRestorer } from "./fixture-models.js";
import { REPO } from "./portraits.js";

export interface TestPlugin {
  dir: string;
  /** Model ids replaced by fixtures (empty once the trained models are in models/). */
  fixtures: string[];
  files: string[];
}

export async function fixtureModelFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [id, make] of [["parser", fixtureParser], ["restorer", fixtureRestorer]] as const) {
    if (existsSync(join(REPO, "models", `${id}.onnx`))) continue;
    const file = join(dir, `fixture-${id}.onnx`);
    await writeFile(file, make());
    out[id] = file;
  }
  return out;
}

export async function buildTestPlugin(): Promise<TestPlugin> {
  const tmp = await mkdtemp(join(tmpdir(), "sade-plugin-"));
  const models = await fixtureModelFiles(tmp);
  const built = await buildPlugin({ outDir: join(tmp, "plugin"), models });
  return { dir: built.outDir, fixtures: Object.keys(models), files: built.files };
}
