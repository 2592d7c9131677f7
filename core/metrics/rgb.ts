// 8-bit RGB images as the metrics and the degradation see them: the conventions of the field are defined on
// 8-bit sRGB pixels (BasicSR reads PNGs with OpenCV), so every file is reduced to that on load.
import sharp from "sharp";

export interface RgbImage {
  width: number;
  height: number;
  /** RGB interleaved, row-major, 0..255 */
  data: Uint8Array;
}

export function createRgb(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) };
}

/** Decodes any file sharp reads to 8-bit sRGB (EXIF orientation applied, alpha dropped). */
export async function readRgb(path: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path)
      .autoOrient()
      .removeAlpha()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new Error(`${path}: cannot read image (${(err as Error).message})`);
  }
}

export async function writePng(path: string, img: RgbImage): Promise<void> {
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png()
    .toFile(path);
}

export function assertSameSize(a: RgbImage, b: RgbImage, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`${what}: sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
}
