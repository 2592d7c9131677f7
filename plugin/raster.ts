/**
 * Small pixel helpers between Photoshop's planes (document coordinates) and the SDK's Image/Mask (coordinates of
 * the layer's pixel rectangle).
 */
import type { Image, Mask } from "../core/image/types.js";
import type { DocRect, GreyPixels, LayerPixels } from "./host/host.js";

export function layerImage(px: LayerPixels): Image {
  return { width: px.rect.width, height: px.rect.height, channels: px.components, bitDepth: px.bitDepth, data: px.data };
}

/** Union (max) of masks, clipped to a width x height image; null when all are empty. */
export function unionMasks(masks: Mask[], width: number, height: number): Mask | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const m of masks) {
    x0 = Math.min(x0, Math.max(0, m.x));
    y0 = Math.min(y0, Math.max(0, m.y));
    x1 = Math.max(x1, Math.min(width, m.x + m.width));
    y1 = Math.max(y1, Math.min(height, m.y + m.height));
  }
  if (!(x1 > x0 && y1 > y0)) return null;
  const out: Mask = { x: x0, y: y0, width: x1 - x0, height: y1 - y0, data: new Uint8Array((x1 - x0) * (y1 - y0)) };
  for (const m of masks) {
    const cx0 = Math.max(m.x, x0), cy0 = Math.max(m.y, y0);
    const cx1 = Math.min(m.x + m.width, x1), cy1 = Math.min(m.y + m.height, y1);
    for (let y = cy0; y < cy1; y++) {
      const src = (y - m.y) * m.width - m.x;
      const dst = (y - y0) * out.width - x0;
      for (let x = cx0; x < cx1; x++) {
        const v = m.data[src + x];
        if (v > out.data[dst + x]) out.data[dst + x] = v;
      }
    }
  }
  return trim(out);
}

/** Shrinks a mask to the bounding box of its non-zero pixels; null when it has none. */
export function trim(m: Mask): Mask | null {
  let x0 = m.width, y0 = m.height, x1 = -1, y1 = -1;
  for (let y = 0; y < m.height; y++) {
    const row = y * m.width;
    for (let x = 0; x < m.width; x++) {
      if (m.data[row + x] !== 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  if (x0 === 0 && y0 === 0 && x1 === m.width - 1 && y1 === m.height - 1) return m;
  const w = x1 - x0 + 1, h = y1 - y0 + 1;
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) data.set(m.data.subarray((y + y0) * m.width + x0, (y + y0) * m.width + x0 + w), y * w);
  return { x: m.x + x0, y: m.y + y0, width: w, height: h, data };
}

/** Pixel-wise minimum of a and b (b is 0 outside its crop); null when nothing is left. */
export function intersectMasks(a: Mask, b: Mask): Mask | null {
  const out: Mask = { ...a, data: new Uint8Array(a.data.length) };
  for (let y = 0; y < a.height; y++) {
    const by = a.y + y - b.y;
    if (by < 0 || by >= b.height) continue;
    for (let x = 0; x < a.width; x++) {
      const bx = a.x + x - b.x;
      if (bx < 0 || bx >= b.width) continue;
      const i = y * a.width + x;
      out.data[i] = Math.min(a.data[i], b.data[by * b.width + bx]);
    }
  }
  return trim(out);
}

/** Every non-zero value becomes 255: the layer already holds the feathered blend, the mask only has to reveal it. */
export function solid(m: Mask): Mask {
  const data = new Uint8Array(m.data.length);
  for (let i = 0; i < data.length; i++) data[i] = m.data[i] ? 255 : 0;
  return { ...m, data };
}

/** Copies a rectangle (image coordinates) out of an interleaved image. */
export function cropPixels(image: Image, x: number, y: number, width: number, height: number): Uint8Array | Uint16Array {
  const c = image.channels;
  const out = image.bitDepth === 16 ? new Uint16Array(width * height * c) : new Uint8Array(width * height * c);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * c;
    out.set(image.data.subarray(start, start + width * c), row * width * c);
  }
  return out;
}

/** A selection plane (document coordinates) as a mask in the coordinates of the layer rectangle `origin`. */
export function planeToMask(plane: GreyPixels, origin: DocRect): Mask {
  return { x: plane.rect.left - origin.left, y: plane.rect.top - origin.top, width: plane.rect.width, height: plane.rect.height, data: plane.data };
}

/** A mask in the coordinates of the layer rectangle `origin` as a plane in document coordinates. */
export function maskToPlane(mask: Mask, origin: DocRect): GreyPixels {
  return { rect: { left: origin.left + mask.x, top: origin.top + mask.y, width: mask.width, height: mask.height }, data: mask.data };
}

export function intersectRects(a: DocRect, b: DocRect): DocRect | null {
  const left = Math.max(a.left, b.left), top = Math.max(a.top, b.top);
  const right = Math.min(a.left + a.width, b.left + b.width), bottom = Math.min(a.top + a.height, b.top + b.height);
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}
