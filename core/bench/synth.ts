// Test photos for `sade bench`: real faces from ../shared/data placed on a smooth synthetic background at a given
// size in megapixels. Deterministic, so runs compare.
import sharp from "sharp";
import type { Image } from "../image/types.js";
import { Rng } from "../degrade/prng.js";

export interface SynthSpec {
  megapixels: number;
  faces: number;
  /** face images (any size; aligned crops such as CelebA-HQ 512 look like portraits) */
  faceFiles: string[];
  /** width / height (default 3 / 2, a camera frame) */
  aspect?: number;
}

export function photoSize(megapixels: number, aspect = 3 / 2): { width: number; height: number } {
  const height = Math.round(Math.sqrt((megapixels * 1e6) / aspect));
  return { width: Math.round(height * aspect), height };
}

/** Face squares on a grid of cells, each 60% of its cell's short side, centred. */
export function facePlacements(width: number, height: number, n: number): { left: number; top: number; size: number }[] {
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const cw = width / cols;
  const ch = height / rows;
  const size = Math.floor(0.6 * Math.min(cw, ch));
  const out = [];
  for (let i = 0; i < n; i++) {
    const cx = (i % cols) * cw + cw / 2;
    const cy = Math.floor(i / cols) * ch + ch / 2;
    out.push({ left: Math.round(cx - size / 2), top: Math.round(cy - size / 2), size });
  }
  return out;
}

export async function synthPhoto(spec: SynthSpec): Promise<Image> {
  if (spec.faces > spec.faceFiles.length) throw new Error(`bench: ${spec.faces} faces wanted, ${spec.faceFiles.length} face images given`);
  const { width, height } = photoSize(spec.megapixels, spec.aspect);
  // Background: a smooth two-colour gradient with mild grain; nothing face-like for the detector to find.
  const rng = new Rng(`bench/${width}x${height}`);
  const bg = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = y / height;
    for (let x = 0; x < width; x++) {
      const s = x / width;
      const o = (y * width + x) * 3;
      const g = (rng.nextUint32() & 7) - 4;
      bg[o] = 70 + 60 * t + 20 * s + g;
      bg[o + 1] = 80 + 40 * t + g;
      bg[o + 2] = 110 - 30 * t + 30 * s + g;
    }
  }
  const layers = [];
  const places = facePlacements(width, height, spec.faces);
  for (let i = 0; i < spec.faces; i++) {
    const p = places[i];
    const face = await sharp(spec.faceFiles[i]).removeAlpha().resize(p.size, p.size, { fit: "cover" }).png().toBuffer();
    layers.push({ input: face, left: p.left, top: p.top });
  }
  const { data, info } = await sharp(bg, { raw: { width, height, channels: 3 } })
    .composite(layers)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`bench: synthetic photo has ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, channels: 3, bitDepth: 8, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
