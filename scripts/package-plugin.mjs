#!/usr/bin/env node
/**
 * `npm run package`: builds dist/plugin (see build-plugin.mjs) and zips it into dist/sade-photoshop-<version>.ccx,
 * manifest.json at the zip's root, as Photoshop's installer expects. Fails, naming the file, when a model is missing.
 */
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import JSZip from "jszip";
import { buildPlugin, ROOT } from "./build-plugin.mjs";

/**
 * @param {{ outDir?: string, ccx?: string, models?: Record<string, string> }} [options]
 * @returns {Promise<{ ccx: string, bytes: number, outDir: string, entries: string[] }>}
 */
export async function packagePlugin(options = {}) {
  const built = await buildPlugin({ outDir: options.outDir ?? "dist/plugin", models: options.models });
  const manifest = JSON.parse(await readFile(join(built.outDir, "manifest.json"), "utf8"));
  const ccx = resolve(ROOT, options.ccx ?? join("dist", `sade-photoshop-${manifest.version}.ccx`));
  const zip = new JSZip();
  const entries = [];
  for (const file of await walk(built.outDir)) {
    const name = relative(built.outDir, file).split(sep).join("/");
    // Models and wasm barely compress; storing them keeps packaging fast.
    const compress = /\.(onnx|wasm|png)$/.test(name) ? "STORE" : "DEFLATE";
    zip.file(name, await readFile(file), { compression: compress, compressionOptions: { level: 9 } });
    entries.push(name);
  }
  const data = await zip.generateAsync({ type: "nodebuffer", platform: "UNIX" });
  await writeFile(ccx, data);
  return { ccx, bytes: data.length, outDir: built.outDir, entries };
}

async function walk(dir) {
  const out = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  packagePlugin().then(
    (r) => {
      console.log(`plugin folder: ${relative(ROOT, r.outDir)} (${r.entries.length} files)`);
      console.log(`package:       ${relative(ROOT, r.ccx)} (${(r.bytes / 1e6).toFixed(1)} MB)`);
    },
    (e) => {
      console.error(`npm run package: ${e.message}`);
      process.exit(1);
    },
  );
}
