"""Loading the shared face data: CelebA-HQ 512 with parsing masks, FFHQ 256, and the fixed parser split."""
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .paths import data_dir

PARSER_VAL_COUNT = 100
SPLIT_SEED = 0
# Eyes, brows and ears are named from the subject's point of view: (subject's left, subject's right).
SIDE_PAIRS = ((4, 5), (6, 7), (8, 9))
# A horizontal flip turns the subject's left eye/brow/ear into the right one.
FLIP_SWAP = {a: b for left, right in SIDE_PAIRS for a, b in ((left, right), (right, left))}
FLIP_LUT = np.array([FLIP_SWAP.get(i, i) for i in range(19)], np.uint8)


def read_rgb(path: Path, size: int | None = None) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"cannot read image {path}")
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if size and img.shape[0] != size:
        interp = cv2.INTER_AREA if img.shape[0] > size else cv2.INTER_CUBIC
        img = cv2.resize(img, (size, size), interpolation=interp)
    return img


def read_labels(path: Path) -> np.ndarray:
    """The label maps are palette PNGs: the class index is the palette index (OpenCV would return the colours)."""
    with Image.open(path) as im:
        if im.mode not in ("P", "L"):
            raise ValueError(f"label map {path} is {im.mode}, expected a palette or grey PNG of class indices")
        lab = np.array(im, dtype=np.uint8)
    if lab.max() >= 19:
        raise ValueError(f"label map {path} has class {lab.max()}, expected 0..18")
    return lab


def celeba_pairs() -> list[tuple[Path, Path]]:
    root = data_dir() / "celebahq-512" / "train"
    pairs = []
    for img in sorted((root / "images").iterdir()):
        mask = root / "masks" / (img.stem + ".png")
        if mask.exists():
            pairs.append((img, mask))
    return pairs


def parser_split() -> tuple[list[tuple[Path, Path]], list[tuple[Path, Path]]]:
    """(train, held-out): a fixed permutation of the sorted pairs; the last 100 are never trained on."""
    pairs = celeba_pairs()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(pairs))
    held = set(order[-PARSER_VAL_COUNT:].tolist())
    train = [p for i, p in enumerate(pairs) if i not in held]
    val = [p for i, p in enumerate(pairs) if i in held]
    return train, val


def restoration_train_images() -> list[Path]:
    """Clean faces for the restorer: CelebA-HQ train (all 900; the parser's held-out faces are not restoration
    validation data) and FFHQ 256."""
    root = data_dir()
    imgs = sorted((root / "celebahq-512" / "train" / "images").iterdir())
    imgs += sorted((root / "ffhq-256").glob("*.jpg"))
    return imgs


def restoration_val_images() -> list[Path]:
    return sorted((data_dir() / "celebahq-512" / "val" / "images").iterdir())


def flip(img: np.ndarray, labels: np.ndarray | None = None):
    img = img[:, ::-1].copy()
    if labels is None:
        return img
    return img, FLIP_LUT[labels[:, ::-1]]


def sides_swapped(labels: np.ndarray) -> bool:
    """True when a label map names the sides the other way round from the data's convention. In an aligned face the
    subject's left eye lies on the image's right; about 6% of CelebAMask-HQ's maps (48 of our 800 training faces, 11
    of the 100 held out) are labelled the other way for eyes, brows and ears together, while the rest of the map
    matches the photo (so the photo is not mirrored). The first pair present on both sides decides."""
    for left, right in SIDE_PAIRS:
        xl = np.nonzero(labels == left)[1]
        xr = np.nonzero(labels == right)[1]
        if len(xl) >= 20 and len(xr) >= 20:
            return bool(xl.mean() < xr.mean())
    return False


def canonical_sides(labels: np.ndarray) -> np.ndarray:
    """The label map with the data's side convention (subject's left on the image's right)."""
    return FLIP_LUT[labels] if sides_swapped(labels) else labels


def random_affine(rng: np.random.Generator, size: int, scale=(0.9, 1.1), rot=10.0, shift=0.04) -> np.ndarray:
    c = size / 2
    s = rng.uniform(*scale)
    a = np.deg2rad(rng.uniform(-rot, rot))
    t = rng.uniform(-shift, shift, 2) * size
    m = np.array([[s * np.cos(a), -s * np.sin(a), 0], [s * np.sin(a), s * np.cos(a), 0]], np.float32)
    m[:, 2] = np.array([c, c]) - m[:, :2] @ np.array([c, c]) + t
    return m
