/**
 * `npm run package`: the .ccx Photoshop installs. Built here into a temporary folder (with fixture parser/restorer
 * while the trained ones are not in models/), then opened as a zip and checked against manifest v5's rules.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import JSZip from "jszip";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain .mjs script without type declarations
import { packagePlugin } from "../../scripts/package-plugin.mjs";
import { fixtureModelFiles } from "./plugin-build.js";
import { REPO } from "./portraits.js";

const trainedMissing = ["parser", "restorer"].filter((id) => !existsSync(join(REPO, "models", `${id}.onnx`)));

describe("npm run package", () => {
  let zip: JSZip;
  let bytes: number;
  let tmp = "";

  afterAll(() => rm(tmp, { recursive: true, force: true }));
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "sade-ccx-"));
    const r = await packagePlugin({ outDir: join(tmp, "plugin"), ccx: join(tmp, "sade.ccx"), models: await fixtureModelFiles(tmp) });
    bytes = r.bytes;
    zip = await JSZip.loadAsync(await import("node:fs/promises").then((fs) => fs.readFile(r.ccx)));
  });

  it.runIf(trainedMissing.length > 0)("fails, naming the file, while a trained model is missing from models/", () => {
    const run = spawnSync(process.execPath, [join(REPO, "scripts", "package-plugin.mjs")], { cwd: REPO, encoding: "utf8" });
    expect(run.status).toBe(1);
    for (const id of trainedMissing) expect(run.stderr).toContain(`${id}: ${join(REPO, "models", `${id}.onnx`)}`);
  });

  it("is a zip with a v5 manifest at its root: PS 25.0.0, a panel entrypoint, icons, plugin file access", async () => {
    const manifest = JSON.parse(await zip.file("manifest.json")!.async("string"));
    expect(manifest.manifestVersion).toBe(5);
    expect(manifest.host).toMatchObject({ app: "PS", minVersion: "25.0.0" });
    expect(manifest.version).toMatch(/^\d{1,2}\.\d{1,2}\.\d{1,2}$/);
    expect(manifest.entrypoints).toHaveLength(1);
    expect(manifest.entrypoints[0]).toMatchObject({ type: "panel", id: "sade.restore" });
    expect(manifest.requiredPermissions).toEqual({ localFileSystem: "plugin", allowCodeGenerationFromStrings: true });
    expect(zip.file(manifest.main)).not.toBeNull();
    expect(await zip.file(manifest.main)!.async("string")).toContain('<script src="main.js"></script>');

    // Every icon the manifest names exists at @1x and @2x with the declared size.
    const icons = [...manifest.icons, ...manifest.entrypoints[0].icons];
    expect(icons.some((i: { species: string[] }) => i.species.includes("pluginList"))).toBe(true);
    for (const icon of icons) {
      for (const scale of icon.scale as number[]) {
        const name = icon.path.replace(/\.png$/, `@${scale}x.png`);
        const file = zip.file(name);
        expect(file, name).not.toBeNull();
        const meta = await sharp(await file!.async("nodebuffer")).metadata();
        expect([meta.width, meta.height, meta.format]).toEqual([icon.width * scale, icon.height * scale, "png"]);
      }
    }
  });

  it("holds the bundle, onnxruntime-web's wasm and the detector, landmark, parser and restorer models", async () => {
    const main = await zip.file("main.js")!.async("string");
    expect(main.startsWith("var sade = (() => {") || /^"use strict";\s*var sade/.test(main)).toBe(true);
    const wasm = await zip.file("ort/ort-wasm-simd-threaded.wasm")!.async("nodebuffer");
    const original = await import("node:fs/promises").then((fs) => fs.readFile(join(REPO, "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm")));
    expect(wasm.equals(original)).toBe(true);

    const shipped = JSON.parse(await zip.file("models/models.json")!.async("string"));
    expect(Object.keys(shipped.models).sort()).toEqual(["detector", "landmarks", "parser", "restorer"]);
    for (const [id, entry] of Object.entries<{ file: string; package?: string; sha256: string }>(shipped.models)) {
      const path = `models/${entry.package ? `${entry.package}/` : ""}${entry.file}`;
      const file = zip.file(path);
      expect(file, `${id}: ${path}`).not.toBeNull();
      const data = await file!.async("nodebuffer");
      if (entry.sha256) expect(createHash("sha256").update(data).digest("hex")).toBe(entry.sha256);
    }
    console.log(`.ccx: ${(bytes / 1e6).toFixed(1)} MB${trainedMissing.length ? ` (with fixture ${trainedMissing.join("/")})` : ""}`);
  });
});
