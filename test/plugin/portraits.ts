/**
 * Test documents composed from real faces in ../shared/data (CelebA-HQ validation images, never copied into the
 * repository): one face, or four faces on a 2x2 grid, on a flat grey backdrop with a little noise.
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import sharp, { type OverlayOptions } from "sharp";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function dataDir(): string {
  return process.env.SADE_DATA ?? join(REPO, "..", "shared", "data");
}

export function hasData(): boolean {
  return existsSync(join(dataDir(), "celebahq-512", "val", "images"));
}

export interface Portrait {
  width: number;
  height: number;
  /** Interleaved RGB, 8-bit. */
  rgb: Uint8Array;
  /** Where each face image was placed (its whole square, not just the face). */
  cells: { left: number; top: number; width: number; height: number }[];
}

async function faceFiles(n: number): Promise<string[]> {
  const dir = join(dataDir(), "celebahq-512", "val", "images");
  const files = (await readdir(dir)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  if (files.length < n) throw new Error(`${dir} has ${files.length} images, ${n} needed`);
  return files.slice(0, n).map((f) => join(dir, f));
}

/**
 * A width x height portrait with `faces` faces (1 or 4), each face image scaled to `faceSize` px and centred in
 * its cell of a 1x1 or 2x2 grid.
 */
export async function composePortrait(width: number, height: number, faces: 1 | 4, faceSize: number): Promise<Portrait> {
  const files = await faceFiles(faces);
  const grid = faces === 1 ? 1 : 2;
  const cw = Math.floor(width / grid), ch = Math.floor(height / grid);
  const cells: Portrait["cells"] = [];
  const composites: OverlayOptions[] = [];
  for (let i = 0; i < faces; i++) {
    const left = (i % grid) * cw + Math.floor((cw - faceSize) / 2);
    const top = Math.floor(i / grid) * ch + Math.floor((ch - faceSize) / 2);
    cells.push({ left, top, width: faceSize, height: faceSize });
    composites.push({ input: await sharp(files[i]).resize(faceSize, faceSize).toBuffer(), left, top });
  }
  // Seeded noise so the backdrop is not a flat colour (and results compare across runs).
  const noise = Buffer.alloc(width * height * 3);
  let s = 12345;
  for (let i = 0; i < noise.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    noise[i] = 118 + ((s >>> 16) % 21);
  }
  const rgb = await sharp(noise, { raw: { width, height, channels: 3 } })
    .composite(composites)
    .removeAlpha()
    .raw()
    .toBuffer();
  return { width, height, rgb: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), cells };
}

/** Same picture at 16 bits (full range). */
export function to16(rgb: Uint8Array): Uint16Array {
  return Uint16Array.from(rgb, (v) => v * 257);
}

/** A picture without faces: smooth colour gradients and noise. */
export function noFacePicture(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let s = 99;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const n = (s >>> 16) % 9;
      const i = (y * width + x) * 3;
      out[i] = (60 + (x * 150) / width + n) | 0;
      out[i + 1] = (90 + (y * 120) / height + n) | 0;
      out[i + 2] = (200 - (x * 80) / width + n) | 0;
    }
  }
  return out;
}
