"""Restorer data: clean faces (CelebA-HQ 512 and FFHQ 256) and their on-the-fly eq. 9 degradations.

A sample keeps its ground truth at native resolution: the FFHQ faces are 256 px, so their losses are computed on
the output pooled to 256 (upsampling them to 512 would teach the network that blur is the truth). The degraded
input is always 512, as in use."""
import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..common.degrade import degrade
from ..common.faces import flip, read_rgb


def to_tensor(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float().div(127.5).sub(1.0)


class FaceDataset(Dataset):
    def __init__(self, paths, size: int, degraded: bool, seed: int = 0, crop: int = 0):
        self.images = [read_rgb(p, size) for p in paths]
        self.crop = crop
        self.degraded = degraded
        self.seed = seed

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        rng = np.random.default_rng([self.seed, idx, torch.randint(0, 2**31, ()).item()])
        gt = self.images[idx]
        if rng.random() < 0.5:
            gt = flip(gt)
        if not self.degraded:
            return to_tensor(gt)
        lq = degrade(gt, rng)
        if lq.shape[0] != 512:
            lq = cv2.resize(lq, (512, 512), interpolation=cv2.INTER_LINEAR)
        if self.crop and gt.shape[0] == 512:
            y0, x0 = rng.integers(0, 512 - self.crop + 1, 2) // 4 * 4
            lq, gt = lq[y0:y0 + self.crop, x0:x0 + self.crop], gt[y0:y0 + self.crop, x0:x0 + self.crop]
        return to_tensor(lq), to_tensor(gt)


def degraded_pair_set(paths, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """A fixed CelebA-Test-like set: each clean face degraded once with a seeded generator."""
    rng = np.random.default_rng(seed)
    out = []
    for p in paths:
        gt = read_rgb(p, 512)
        out.append((degrade(gt, rng), gt))
    return out
