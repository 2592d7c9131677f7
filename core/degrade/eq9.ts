// The paper's degradation model (eq. 9) and its parameter ranges:
//
//   I_l = { JPEG_q( (I_h * k_sigma) downscale_r + n_delta ) } upscale_r
//
//   sigma in [0.1, 5]     Gaussian blur (isotropic), kernel size 2*ceil(3 sigma) + 1, reflect-101 border
//   r     in [1, 8]       bilinear downscale to round(size / r), bilinear upscale back to the input size
//   delta in [0, 15]      i.i.d. Gaussian noise per pixel and channel, std delta on the 0..255 scale, then clip
//   q     in [70, 100]    JPEG quality (integer, 4:2:0 chroma), applied to the 8-bit low-resolution image
//   colour jitter         with p 0.3: saturation x[0.9, 1.1] about BT.601 grey, contrast x[0.9, 1.1] about the
//                         image mean, brightness +[-0.1, 0.1] (0..1 scale), after the upscale
//   clean                 with p 0.1 the input is returned unchanged
//
// training/common/degrade.py is the Python twin used in training: same ranges, same order of operations and the
// same order of draws (clean, jitter, sigma, r, delta, q, brightness, contrast, saturation). The two use
// different random generators, so they sample the same distribution, not the same images for a seed.
import type { Rng } from "./prng.js";

export const SIGMA: [number, number] = [0.1, 5];
export const SCALE: [number, number] = [1, 8];
export const NOISE: [number, number] = [0, 15];
export const JPEG_Q: [number, number] = [70, 100];
export const CLEAN_P = 0.1;
export const JITTER_P = 0.3;

export interface DegradeParams {
  clean: boolean;
  sigma: number;
  r: number;
  delta: number;
  q: number;
  brightness: number;
  contrast: number;
  saturation: number;
}

export function sampleParams(rng: Rng): DegradeParams {
  const clean = rng.random() < CLEAN_P;
  const jitter = rng.random() < JITTER_P;
  const sigma = rng.uniform(...SIGMA);
  const r = rng.uniform(...SCALE);
  const delta = rng.uniform(...NOISE);
  const q = rng.integer(...JPEG_Q);
  const brightness = jitter ? rng.uniform(-0.1, 0.1) : 0;
  const contrast = jitter ? rng.uniform(0.9, 1.1) : 1;
  const saturation = jitter ? rng.uniform(0.9, 1.1) : 1;
  return { clean, sigma, r, delta, q, brightness, contrast, saturation };
}
