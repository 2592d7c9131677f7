"""The paper's degradation (eq. 9): I_l = {JPEG_q((I_h * k_sigma) downscale_r + n_delta)} upscale_r.

Ranges (DEVELOPERS.md): sigma in [0.1, 5], r in [1, 8], delta in [0, 15] on the 0..255 scale, q in [70, 100];
colour jitter; 10% of inputs are left clean. core/degrade/ holds the TypeScript twin used by `sade degrade`:
the two must sample the same distribution in the same order of operations.
"""
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class DegradeParams:
    clean: bool
    sigma: float
    r: float
    delta: float
    q: int
    brightness: float
    contrast: float
    saturation: float


SIGMA = (0.1, 5.0)
SCALE = (1.0, 8.0)
NOISE = (0.0, 15.0)
JPEG_Q = (70, 100)
CLEAN_P = 0.1
JITTER_P = 0.3


def sample_params(rng: np.random.Generator) -> DegradeParams:
    clean = rng.random() < CLEAN_P
    jitter = rng.random() < JITTER_P
    return DegradeParams(
        clean=clean,
        sigma=float(rng.uniform(*SIGMA)),
        r=float(rng.uniform(*SCALE)),
        delta=float(rng.uniform(*NOISE)),
        q=int(rng.integers(JPEG_Q[0], JPEG_Q[1] + 1)),
        brightness=float(rng.uniform(-0.1, 0.1)) if jitter else 0.0,
        contrast=float(rng.uniform(0.9, 1.1)) if jitter else 1.0,
        saturation=float(rng.uniform(0.9, 1.1)) if jitter else 1.0,
    )


def colour_jitter(img: np.ndarray, p: DegradeParams) -> np.ndarray:
    """img: float32 RGB in [0, 1]."""
    if p.brightness == 0.0 and p.contrast == 1.0 and p.saturation == 1.0:
        return img
    grey = img @ np.array([0.299, 0.587, 0.114], np.float32)
    out = grey[..., None] + (img - grey[..., None]) * p.saturation
    out = (out - out.mean()) * p.contrast + out.mean() + p.brightness
    return np.clip(out, 0.0, 1.0)


def degrade(hq: np.ndarray, rng: np.random.Generator, params: DegradeParams | None = None) -> np.ndarray:
    """hq: uint8 RGB HxWx3. Returns the degraded uint8 RGB image of the same size."""
    p = params or sample_params(rng)
    if p.clean:
        return hq.copy()
    h, w = hq.shape[:2]
    img = hq.astype(np.float32) / 255.0
    ksize = int(2 * np.ceil(3 * p.sigma) + 1)
    img = cv2.GaussianBlur(img, (ksize, ksize), p.sigma, borderType=cv2.BORDER_REFLECT_101)
    lw, lh = max(1, round(w / p.r)), max(1, round(h / p.r))
    img = cv2.resize(img, (lw, lh), interpolation=cv2.INTER_LINEAR)
    img = img + rng.normal(0.0, p.delta / 255.0, img.shape).astype(np.float32)
    img = np.clip(img, 0.0, 1.0)
    u8 = np.round(img * 255.0).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(u8, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, p.q])
    assert ok
    img = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
    img = colour_jitter(img, p)
    return np.round(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)
