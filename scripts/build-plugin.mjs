#!/usr/bin/env node
/**
 * Builds the Photoshop plugin folder: the esbuild bundle (IIFE, as UXP loads classic scripts), index.html,
 * manifest.json, onnxruntime-web's wasm binary, the models with their manifest, and icons drawn here with sharp.
 *
 *   node scripts/build-plugin.mjs [outDir]          (default dist/plugin; fails when a model file is missing)
 *
 * Tests call buildPlugin() with `models` overrides (small fixture models) until the trained models land.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import sharp from "sharp";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** What the plugin runs: detection and landmarks from npm, parsing and restoration trained by us. */
export const PLUGIN_MODELS = ["detector", "landmarks", "parser", "restorer"];
export const WASM_FILE = "ort-wasm-simd-threaded.wasm";
/** UXP's built-in modules: left to UXP's global `require`. */
export const UXP_EXTERNALS = ["photoshop", "uxp", "fs", "os", "path", "process"];

/**
 * @param {{ outDir?: string, models?: Record<string, string>, minify?: boolean }} [options]
 *   models: model id -> file to ship instead of the one models.json names (fixture models in tests).
 * @returns {Promise<{ outDir: string, files: string[], models: Record<string, { file: string, bytes: number, source: string }> }>}
 */
export async function buildPlugin(options = {}) {
  const outDir = resolve(ROOT, options.outDir ?? "dist/plugin");
  const overrides = options.models ?? {};
  const manifestPath = join(ROOT, "models", "models.json");
  const modelManifest = JSON.parse(await readFile(manifestPath, "utf8"));

  // Check every model first, so a missing one fails before anything is written.
  const models = {};
  const missing = [];
  for (const id of PLUGIN_MODELS) {
    const entry = modelManifest.models?.[id];
    if (!entry) throw new Error(`${manifestPath} has no entry for model '${id}'`);
    const rel = entry.package ? `${entry.package}/${entry.file}` : entry.file;
    const source = overrides[id] ?? (entry.package ? join(ROOT, "node_modules", rel) : join(ROOT, "models", entry.file));
    if (!(await exists(source))) {
      missing.push(`  ${id}: ${source}` + (entry.package ? ` (npm package ${entry.package}: run npm ci)` : " (trained by training/; not committed yet?)"));
      continue;
    }
    models[id] = { rel, source, entry };
  }
  if (missing.length) {
    throw new Error(`cannot build the Photoshop plugin: model file(s) missing:\n${missing.join("\n")}`);
  }

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const uxpManifest = JSON.parse(await readFile(join(ROOT, "manifest.json"), "utf8"));
  if (uxpManifest.version !== pkg.version) {
    throw new Error(`manifest.json version ${uxpManifest.version} differs from package.json version ${pkg.version}`);
  }

  const result = await esbuild.build({
    entryPoints: [join(ROOT, "plugin", "main.ts")],
    outfile: join(outDir, "main.js"),
    bundle: true,
    format: "iife",
    globalName: "sade",
    platform: "browser",
    target: "es2020",
    external: UXP_EXTERNALS,
    minify: options.minify ?? false,
    legalComments: "eof",
    logLevel: "silent",
    metafile: true,
  });
  for (const w of result.warnings) {
    // onnxruntime-web reads import.meta.url only to locate files we hand it as bytes instead.
    if (!/import\.meta/.test(w.text)) console.warn(`esbuild: ${w.text}`);
  }
  const bundled = Object.keys(result.metafile.inputs);
  const nodeOnly = bundled.filter((p) => /(^|\/)node_modules\/(sharp|onnxruntime-node)\//.test(p) || p.startsWith("node:"));
  if (nodeOnly.length) throw new Error(`the plugin bundle pulled in Node-only code: ${nodeOnly.join(", ")}`);

  await copyFile(join(ROOT, "plugin", "panel", "index.html"), join(outDir, "index.html"));
  await writeFile(join(outDir, "manifest.json"), JSON.stringify(uxpManifest, null, 2) + "\n");
  await mkdir(join(outDir, "ort"), { recursive: true });
  await copyFile(join(ROOT, "node_modules", "onnxruntime-web", "dist", WASM_FILE), join(outDir, "ort", WASM_FILE));

  // Models, under the relative paths core/models/manifest.ts asks for, with a manifest of just these.
  const shipped = { about: modelManifest.about, models: {} };
  const report = {};
  for (const id of PLUGIN_MODELS) {
    const { rel, source, entry } = models[id];
    const bytes = await readFile(source);
    const sha = createHash("sha256").update(bytes).digest("hex");
    let pinned = entry.sha256;
    if (overrides[id]) pinned = sha; // a substitute is pinned to itself, so the plugin's check still runs
    else if (pinned && pinned.toLowerCase() !== sha) {
      throw new Error(`model '${id}' ${source} has sha256 ${sha}, but models.json pins ${pinned}`);
    }
    const dest = join(outDir, "models", rel);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, bytes);
    shipped.models[id] = { ...entry, sha256: pinned };
    report[id] = { file: `models/${rel}`, bytes: bytes.length, source: overrides[id] ? "override" : "models.json" };
  }
  await writeFile(join(outDir, "models", "models.json"), JSON.stringify(shipped, null, 2) + "\n");

  await writeIcons(join(outDir, "icons"));

  const files = [
    "manifest.json", "index.html", "main.js", `ort/${WASM_FILE}`, "models/models.json",
    ...PLUGIN_MODELS.map((id) => report[id].file),
    ...ICONS.flatMap((i) => [`icons/${i.name}@1x.png`, `icons/${i.name}@2x.png`]),
  ];
  return { outDir, files, models: report };
}

/** Panel icons (23 px, light glyph for dark themes and the reverse) and the 48 px plugin-list icon. */
const ICONS = [
  { name: "panel-dark", size: 23, fg: "#e8e8e8", bg: null },
  { name: "panel-light", size: 23, fg: "#323232", bg: null },
  { name: "plugin", size: 48, fg: "#ffffff", bg: "#2d6ae0" },
];

function iconSvg(fg, bg) {
  // A face outline with a four-point sparkle: "restore faces".
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48">
  ${bg ? `<rect width="48" height="48" rx="9" fill="${bg}"/>` : ""}
  <ellipse cx="21" cy="26" rx="12" ry="15" fill="none" stroke="${fg}" stroke-width="3.5"/>
  <circle cx="16.5" cy="23" r="2.2" fill="${fg}"/><circle cx="25.5" cy="23" r="2.2" fill="${fg}"/>
  <path d="M15.5 32 q5.5 4 11 0" fill="none" stroke="${fg}" stroke-width="2.6" stroke-linecap="round"/>
  <path d="M38 4 l2.2 6.8 6.8 2.2 -6.8 2.2 -2.2 6.8 -2.2 -6.8 -6.8 -2.2 6.8 -2.2z" fill="${fg}"/>
</svg>`;
}

async function writeIcons(dir) {
  await mkdir(dir, { recursive: true });
  for (const icon of ICONS) {
    const svg = Buffer.from(iconSvg(icon.fg, icon.bg));
    for (const scale of [1, 2]) {
      const px = icon.size * scale;
      await sharp(svg, { density: 72 * (px / 48) * 4 }).resize(px, px).png().toFile(join(dir, `${icon.name}@${scale}x.png`));
    }
  }
}

async function exists(p) {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildPlugin({ outDir: process.argv[2] }).then(
    (r) => console.log(`plugin built in ${r.outDir}: ${r.files.length} files`),
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
