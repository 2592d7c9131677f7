/** Crops to and from the models' NCHW float32 tensors in [-1, 1] (models/models.json). */
import type { TensorData } from "../models/engine.js";
import type { Planar } from "../image/warp.js";

export function toModelInput(crop: Planar): TensorData {
  const data = new Float32Array(crop.data.length);
  for (let i = 0; i < data.length; i++) data[i] = crop.data[i] / 127.5 - 1;
  return { type: "float32", data, dims: [1, 3, crop.height, crop.width] };
}

/** Model output in [-1, 1] (clamped) to planar 0..255, kept as floats so 16-bit images lose nothing. */
export function fromModelOutput(data: Float32Array, width: number, height: number): Planar {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = ((v < -1 ? -1 : v > 1 ? 1 : v) + 1) * 127.5;
  }
  return { width, height, channels: 3, data: out };
}
