/** Real photos from ../shared/data (or $SADE_DATA) and small helpers the core tests share. */
import path from "node:path";
import { locateData } from "../../core/io/data.js";
import { decodeImage } from "../../core/io/decode.js";
import type { Image } from "../../core/image/types.js";
import { makeFixtureModels, type RestorerKind } from "../fixtures/models.js";
import { REPO_ROOT } from "../../core/io/data.js";

export const DATA = locateData();
export const wild = (...p: string[]) => path.join(DATA, "wild", ...p);
export const celeba = (name: string) => path.join(DATA, "celebahq-512/val/images", name);

export function load(file: string): Promise<Image> {
  return decodeImage(file);
}

/** Fixture models (one folder per restorer variant) under .cache/fixtures/. */
export function fixtureModels(kind: RestorerKind = "smooth"): string {
  return makeFixtureModels(path.join(REPO_ROOT, ".cache/fixtures", kind), { restorer: kind });
}

/** Indices of pixels whose values differ (first `limit`). */
export function changedPixels(a: Image, b: Image): number[] {
  const out: number[] = [];
  const c = a.channels;
  for (let i = 0; i < a.width * a.height; i++) {
    for (let k = 0; k < c; k++) {
      if (a.data[i * c + k] !== b.data[i * c + k]) { out.push(i); break; }
    }
  }
  return out;
}

/** Crop of an image (copy). */
export function cropImage(img: Image, x0: number, y0: number, w: number, h: number): Image {
  const c = img.channels;
  const data = img.bitDepth === 16 ? new Uint16Array(w * h * c) : new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((y + y0) * img.width + x0) * c, ((y + y0) * img.width + x0 + w) * c), y * w * c);
  return { ...img, width: w, height: h, data };
}

/** Mean colour (0..255 scale) of the pixels where mask(x, y) is true. */
export function meanColour(img: Image, inside: (x: number, y: number) => boolean): number[] {
  const s = [0, 0, 0];
  let n = 0;
  const scale = img.bitDepth === 16 ? 255 / 65535 : 1;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    if (!inside(x, y)) continue;
    const i = (y * img.width + x) * img.channels;
    for (let k = 0; k < 3; k++) s[k] += img.data[img.channels >= 3 ? i + k : i] * scale;
    n++;
  }
  return s.map((v) => v / Math.max(1, n));
}
