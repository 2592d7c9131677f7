// `sade degrade`: the paper's eq. 9 applied to 8-bit RGB images. See eq9.ts for the model and its ranges.
import sharp from "sharp";
import { roundHalfEven } from "../metrics/numeric.js";
import type { RgbImage } from "../metrics/rgb.js";
import { sampleParams, type DegradeParams } from "./eq9.js";
import { addGaussianNoise, colourJitter, gaussianBlur, resizeLinear, type FloatRgb } from "./ops.js";
import { Rng } from "./prng.js";

function toFloat(img: RgbImage): FloatRgb {
  return { width: img.width, height: img.height, data: Float32Array.from(img.data, (v) => v / 255) };
}

function toU8(img: FloatRgb): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = roundHalfEven(Math.min(1, Math.max(0, img.data[i])) * 255);
  return { width: img.width, height: img.height, data };
}

/** Encodes and decodes with baseline libjpeg settings (4:2:0 chroma subsampling, like OpenCV's default). */
export async function jpegRoundTrip(img: RgbImage, quality: number): Promise<RgbImage> {
  const raw = { width: img.width, height: img.height, channels: 3 as const };
  const jpeg = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw })
    .jpeg({ quality, chromaSubsampling: "4:2:0" })
    .toBuffer();
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== img.width || info.height !== img.height) {
    throw new Error(`JPEG round trip changed the image to ${info.width}x${info.height}x${info.channels}`);
  }
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Applies eq. 9 with the given parameters; `rng` supplies the noise. Output has the input's size. */
export async function degradeWith(hq: RgbImage, p: DegradeParams, rng: Rng): Promise<RgbImage> {
  if (p.clean) return { ...hq, data: hq.data.slice() };
  const { width: w, height: h } = hq;
  let img = gaussianBlur(toFloat(hq), p.sigma);
  const lw = Math.max(1, roundHalfEven(w / p.r));
  const lh = Math.max(1, roundHalfEven(h / p.r));
  img = resizeLinear(img, lw, lh);
  img = addGaussianNoise(img, p.delta / 255, () => rng.normal());
  const jpeg = await jpegRoundTrip(toU8(img), p.q);
  img = resizeLinear(toFloat(jpeg), w, h);
  img = colourJitter(img, p.brightness, p.contrast, p.saturation);
  return toU8(img);
}

/**
 * Degrades one image deterministically: the random stream is keyed by (seed, key), key normally the file name,
 * so an image gets the same degradation whatever else is in its folder and in whatever order files are processed.
 */
export async function degrade(hq: RgbImage, seed: number, key: string): Promise<{ image: RgbImage; params: DegradeParams }> {
  const rng = new Rng(`${seed}/${key}`);
  const params = sampleParams(rng);
  return { image: await degradeWith(hq, params, rng), params };
}
