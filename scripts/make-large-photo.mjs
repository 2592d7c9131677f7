#!/usr/bin/env node
/**
 * Writes a very large test photo (default 12000x8000 JPEG) with real faces of several sizes on a real background,
 * without holding it in JavaScript memory (sharp composites on disk): for the memory measurement in
 * docs/BENCHMARKS.md.   node scripts/make-large-photo.mjs OUT.jpg [WIDTH HEIGHT]
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const [out, W = "12000", H = "8000"] = process.argv.slice(2);
if (!out) throw new Error("usage: node scripts/make-large-photo.mjs OUT.jpg [WIDTH HEIGHT]");
const width = Number(W), height = Number(H);
const data = process.env.SADE_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../shared/data");
const faces = path.join(data, "celebahq-512/val/images");
const files = readdirSync(faces).filter((f) => f.endsWith(".jpg")).sort();
const background = await sharp(path.join(data, "wild/whole/00.jpg")).resize(width, height, { fit: "cover" }).blur(3).toBuffer();
const sizes = [3000, 1400, 600, 240, 96]; // crop sizes; the face box is about half of each
const composite = [];
let x = Math.round(width * 0.03);
for (let i = 0; i < sizes.length; i++) {
  const s = sizes[i];
  composite.push({ input: await sharp(path.join(faces, files[i])).resize(s, s).toBuffer(), left: x, top: Math.round(height / 2 - s / 2) });
  x += s + Math.round(width * 0.03);
}
await sharp(background, { limitInputPixels: false }).composite(composite).jpeg({ quality: 92 }).toFile(out);
console.log(`${out}: ${width}x${height}, ${sizes.length} faces (crops ${sizes.join(", ")} px)`);
