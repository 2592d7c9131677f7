/** Image files to Image values with sharp (Node only). EXIF orientation applied; depth, grey and alpha kept. */
import { existsSync, readFileSync, statSync } from "node:fs";
import sharp, { type Metadata, type OutputInfo } from "sharp";
import type { Image } from "../image/types.js";

export class ImageReadError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = "ImageReadError";
  }
}

export interface DecodedInfo {
  format: string;
  /** EXIF orientation that was applied (1 = none). */
  orientation: number;
}

const SUPPORTED = new Set(["jpeg", "png", "tiff", "webp"]);

/** Decodes a file or an encoded buffer. Throws ImageReadError naming the file and the reason. */
export async function decodeImageWithInfo(input: string | Uint8Array, name?: string): Promise<{ image: Image; info: DecodedInfo }> {
  const label = name ?? (typeof input === "string" ? input : "<buffer>");
  let bytes: Uint8Array;
  if (typeof input === "string") {
    if (!existsSync(input)) throw new ImageReadError(label, "file not found");
    if (statSync(input).isDirectory()) throw new ImageReadError(label, "is a folder, not an image file");
    bytes = readFileSync(input);
  } else {
    bytes = input;
  }
  if (bytes.length === 0) throw new ImageReadError(label, "file is empty");
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { failOn: "error" }).metadata();
  } catch (e) {
    throw new ImageReadError(label, `not a readable image (${(e as Error).message})`);
  }
  if (!meta.format || !SUPPORTED.has(meta.format)) {
    throw new ImageReadError(label, `unsupported format '${meta.format}' (JPEG, PNG, TIFF and WebP are supported)`);
  }
  const grey = meta.space === "b-w" || meta.space === "grey16";
  const alpha = !!meta.hasAlpha;
  const deep = meta.depth !== "uchar" && meta.depth !== "char";
  const channels = ((grey ? 1 : 3) + (alpha ? 1 : 0)) as Image["channels"];
  // libvips drops the alpha of 8-bit grey+alpha when asked for "b-w": decode that case as RGBA and pick channels.
  const greyAlpha8 = grey && alpha && !deep;
  const colourspace = deep ? (grey ? "grey16" : "rgb16") : grey && !greyAlpha8 ? "b-w" : "srgb";
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await sharp(bytes, { failOn: "error", autoOrient: true, limitInputPixels: 0x3fff * 0x3fff })
      .toColourspace(colourspace)
      .raw({ depth: deep ? "ushort" : "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageReadError(label, `cannot decode image (${(e as Error).message})`);
  }
  const { width, height } = raw.info;
  let data: Uint8Array | Uint16Array;
  if (deep) {
    data = new Uint16Array(raw.data.length / 2);
    new Uint8Array(data.buffer).set(raw.data); // copy: Buffer offsets need not be 2-byte aligned
  } else if (greyAlpha8 && raw.info.channels === 4) {
    data = new Uint8Array(width * height * 2);
    for (let i = 0, j = 0; i < data.length; i += 2, j += 4) { data[i] = raw.data[j]; data[i + 1] = raw.data[j + 3]; }
    raw.info.channels = 2;
  } else {
    data = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
  }
  if (raw.info.channels !== channels) {
    throw new ImageReadError(label, `decoded ${raw.info.channels} channels where ${channels} were expected`);
  }
  return {
    image: { width, height, channels, bitDepth: deep ? 16 : 8, data },
    info: { format: meta.format, orientation: meta.orientation ?? 1 },
  };
}

export async function decodeImage(input: string | Uint8Array, name?: string): Promise<Image> {
  return (await decodeImageWithInfo(input, name)).image;
}
