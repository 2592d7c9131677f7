import { readdirSync, statSync } from "node:fs";
import { extname, join, parse } from "node:path";

export const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"]);

/** Image files of a folder (not recursive) by base name without extension, sorted by name. */
export function listImages(dir: string): Map<string, string> {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a folder");
    entries = readdirSync(dir);
  } catch (err) {
    throw new Error(`${dir}: cannot list images (${(err as Error).message})`);
  }
  const out = new Map<string, string>();
  for (const f of entries.sort()) {
    if (!IMAGE_EXTENSIONS.has(extname(f).toLowerCase())) continue;
    const name = parse(f).name;
    if (out.has(name)) throw new Error(`${dir}: two images named ${name} (${out.get(name)} and ${f})`);
    out.set(name, join(dir, f));
  }
  return out;
}
