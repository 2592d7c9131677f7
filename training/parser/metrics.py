"""IoU per class on the held-out faces, clean and degraded with a fixed seed."""
import numpy as np
import torch
import torch.nn.functional as F

from ..common.degrade import degrade
from ..common.faces import canonical_sides
from .data import to_tensor

CLASS_NAMES = ["background", "skin", "nose", "eyeglasses", "left_eye", "right_eye", "left_brow", "right_brow",
               "left_ear", "right_ear", "mouth", "upper_lip", "lower_lip", "hair", "hat", "earring", "necklace",
               "neck", "cloth"]
# The "facial classes": skin, nose, eyes, brows, ears, mouth, lips, hair.
FACIAL = [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
EVAL_SEED = 1234


@torch.no_grad()
def evaluate(net, images, labels, degraded: bool, batch: int = 4, fixed_sides: bool = False) -> dict:
    """IoU per class over all pixels of the set. fixed_sides adds "sides_fixed": the same predictions scored against
    label maps whose swapped left/right names are corrected (common.faces.canonical_sides)."""
    net.eval()
    sets = {"given": labels}
    if fixed_sides:
        sets["sides_fixed"] = [canonical_sides(t) for t in labels]
    confusion = {k: np.zeros((19, 19), np.int64) for k in sets}
    rng = np.random.default_rng(EVAL_SEED)
    for s in range(0, len(images), batch):
        imgs = [degrade(i, rng) if degraded else i for i in images[s:s + batch]]
        x = torch.stack([to_tensor(i) for i in imgs])
        logits = net(x)
        pred = F.interpolate(logits, size=(512, 512), mode="bilinear", align_corners=False).argmax(1).numpy()
        for name, maps in sets.items():
            for p, t in zip(pred, maps[s:s + batch]):
                pairs = t.ravel().astype(np.int64) * 19 + p.ravel()
                confusion[name] += np.bincount(pairs, minlength=19 * 19).reshape(19, 19)
    result = summarise(confusion["given"])
    if fixed_sides:
        result["sides_fixed"] = summarise(confusion["sides_fixed"])
    return result


def summarise(confusion: np.ndarray) -> dict:
    """Per-class IoU from a [label, prediction] pixel count matrix."""
    inter = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - inter
    iou = {CLASS_NAMES[c]: (float(inter[c] / union[c]) if union[c] > 0 else None) for c in range(19)}
    facial = [iou[CLASS_NAMES[c]] for c in FACIAL if iou[CLASS_NAMES[c]] is not None]
    eyes = [iou["left_eye"], iou["right_eye"]]
    return {"iou": iou, "facial_miou": float(np.mean(facial)), "eyes_iou": float(np.mean(eyes))}
