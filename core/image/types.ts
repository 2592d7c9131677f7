/**
 * Pixel containers shared by the SDK, the CLI and the Photoshop plugin.
 * Nothing here may import Node-only modules: the plugin bundles it.
 */

/** Interleaved pixels. channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. 16-bit data uses the full 0..65535 range. */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

/** 8-bit grey mask: a crop of `width` x `height` placed at (x, y) in image coordinates (0 = off, 255 = on). */
export interface Mask {
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function isMask(value: Rect | Mask): value is Mask {
  return (value as Mask).data instanceof Uint8Array;
}

export function hasAlpha(image: Image): boolean {
  return image.channels === 2 || image.channels === 4;
}

/** Number of colour (non-alpha) channels: 1 for grey, 3 for RGB. */
export function colourChannels(image: Image): 1 | 3 {
  return image.channels <= 2 ? 1 : 3;
}

export function maxValue(image: Image): number {
  return image.bitDepth === 16 ? 65535 : 255;
}

/** Checks the invariants every function relies on; throws a clear error otherwise. */
export function assertImage(image: Image): void {
  const { width, height, channels, bitDepth, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`invalid image size ${width}x${height}`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`invalid channel count ${channels}`);
  if (bitDepth !== 8 && bitDepth !== 16) throw new Error(`invalid bit depth ${bitDepth}`);
  if (bitDepth === 8 && !(data instanceof Uint8Array)) throw new Error("8-bit image needs Uint8Array data");
  if (bitDepth === 16 && !(data instanceof Uint16Array)) throw new Error("16-bit image needs Uint16Array data");
  if (data.length !== width * height * channels) {
    throw new Error(`image data has ${data.length} values, expected ${width}x${height}x${channels}`);
  }
}

export function cloneImage(image: Image): Image {
  return { ...image, data: image.data.slice() };
}
