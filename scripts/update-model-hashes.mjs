#!/usr/bin/env node
/**
 * Fills "sha256" of every model in models/models.json (our ONNX files and those shipped in npm packages) from the
 * files as they are now. Run after a model is retrained or a package updated; commit models.json with the model.
 *   node scripts/update-model-hashes.mjs [--check] [MODELS_DIR]
 * --check changes nothing and exits 1 when a hash is missing or stale. The file's layout is kept: only the hash
 * strings are replaced.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const check = args.includes("--check");
const dir = path.resolve(args.find((a) => !a.startsWith("--")) ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../models"));
const manifestFile = path.join(dir, "models.json");
let text = readFileSync(manifestFile, "utf8");
const manifest = JSON.parse(text);
function fileOf(entry) {
  if (!entry.package) return path.join(dir, entry.file);
  // The package as seen from the models folder, else from this repository.
  for (const from of [manifestFile, fileURLToPath(import.meta.url)]) {
    try {
      return path.join(path.dirname(createRequire(from).resolve(`${entry.package}/package.json`)), entry.file);
    } catch {
      /* next */
    }
  }
  throw new Error(`npm package ${entry.package} is not installed (npm ci)`);
}

let stale = 0;
for (const [id, entry] of Object.entries(manifest.models)) {
  const file = fileOf(entry);
  if (!existsSync(file)) {
    console.log(`${id}: ${file} is missing, hash left as it is`);
    continue;
  }
  const hash = createHash("sha256").update(readFileSync(file)).digest("hex");
  if (hash === entry.sha256) {
    console.log(`${id}: ${hash} (unchanged)`);
    continue;
  }
  stale++;
  console.log(`${id}: ${entry.sha256 || "(none)"} -> ${hash}`);
  // Replace the first "sha256" after this model's key, keeping the file's layout.
  const key = text.indexOf(`"${id}": {`);
  const at = text.indexOf('"sha256"', key);
  const m = /"sha256"\s*:\s*"[0-9a-fA-F]*"/.exec(text.slice(at));
  if (key < 0 || at < 0 || !m || m.index !== 0) throw new Error(`cannot find the sha256 field of '${id}' in ${manifestFile}`);
  text = text.slice(0, at) + `"sha256": "${hash}"` + text.slice(at + m[0].length);
}
if (check) {
  if (stale) {
    console.error(`${stale} hash(es) missing or stale in ${manifestFile}`);
    process.exit(1);
  }
} else if (stale) {
  JSON.parse(text); // still valid JSON
  writeFileSync(manifestFile, text);
  console.log(`updated ${manifestFile}`);
}
