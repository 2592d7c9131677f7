"""Parser training data: CelebA-HQ faces with their label maps, augmented and degraded the way faces arrive in use."""
import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..common.degrade import degrade
from ..common.faces import canonical_sides, flip, random_affine, read_labels, read_rgb


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """uint8 HxWx3 RGB -> float [3,H,W] in [-1,1] (the contract's input range)."""
    return torch.from_numpy(img).permute(2, 0, 1).float().div(127.5).sub(1.0)


class ParsingDataset(Dataset):
    def __init__(self, pairs, augment: bool, seed: int = 0, crop: int = 512, fix_sides: bool = False):
        self.images = [read_rgb(i, 512) for i, _ in pairs]
        # fix_sides: relabel the maps whose left/right names are swapped (faces.sides_swapped), which otherwise teach
        # the net to hedge between the two eyes.
        self.labels = [canonical_sides(read_labels(m)) if fix_sides else read_labels(m) for _, m in pairs]
        self.augment = augment
        self.seed = seed
        self.epoch = 0
        self.crop = crop

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        img, lab = self.images[idx], self.labels[idx]
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, idx, torch.randint(0, 2**31, ()).item()])
            if rng.random() < 0.5:
                img, lab = flip(img, lab)
            m = random_affine(rng, 512)
            img = cv2.warpAffine(img, m, (512, 512), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
            lab = cv2.warpAffine(lab, m, (512, 512), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REFLECT_101)
            img = degrade(img, rng)
            if self.crop < 512:
                # Random crops cut the cost per sample; evaluation and use are on whole faces.
                y0, x0 = rng.integers(0, 512 - self.crop + 1, 2) // 2 * 2
                img = img[y0:y0 + self.crop, x0:x0 + self.crop]
                lab = lab[y0:y0 + self.crop, x0:x0 + self.crop]
        return to_tensor(img), torch.from_numpy(lab.astype(np.int64))
