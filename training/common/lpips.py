"""LPIPS v0.1 with the SqueezeNet 1.1 backbone, from ../shared/weights/lpips-squeeze (never committed).

Cuts after features[1], [4], [7], [9], [10], [11], [12]; input in [-1,1], shifted and scaled; each layer
unit-normalised over channels, squared difference, 1x1 head, spatial mean, summed. Used as the perceptual loss
(the paper's VGG-19 weights are not available) and mirrored by core/metrics for `sade eval`."""
from pathlib import Path

import torch
import torch.nn as nn
import torchvision

from .paths import weights_dir

SHIFT = torch.tensor([-0.030, -0.088, -0.188]).view(1, 3, 1, 1)
SCALE = torch.tensor([0.458, 0.448, 0.450]).view(1, 3, 1, 1)
CUTS = [2, 5, 8, 10, 11, 12, 13]


class LPIPSSqueeze(nn.Module):
    def __init__(self, root: Path | None = None):
        super().__init__()
        root = root or weights_dir() / "lpips-squeeze"
        features = torchvision.models.squeezenet1_1().features
        features.load_state_dict(torch.load(root / "backbone.pth", map_location="cpu"))
        self.slices = nn.ModuleList()
        start = 0
        for cut in CUTS:
            self.slices.append(nn.Sequential(*[features[i] for i in range(start, cut)]))
            start = cut
        heads = torch.load(root / "head-v0.1.pth", map_location="cpu")
        self.heads = nn.ParameterList([nn.Parameter(heads[f"lin{i}.model.1.weight"], requires_grad=False)
                                       for i in range(len(CUTS))])
        self.register_buffer("shift", SHIFT.clone())
        self.register_buffer("scale", SCALE.clone())
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def raw_features(self, x, depth=len(CUTS)):
        """The backbone's activations at the first `depth` cuts, not unit-normalised (the first three: strides 2, 4,
        8; 64, 128, 256 channels); a Gram (texture) loss wants them so, their magnitude being the texture's."""
        h = (x - self.shift) / self.scale
        out = []
        for s in self.slices[:depth]:
            h = s(h)
            out.append(h)
        return out

    def features(self, x):
        return [h / (h.pow(2).sum(1, keepdim=True).sqrt() + 1e-10) for h in self.raw_features(x)]

    def forward(self, a, b):
        """a, b: [N,3,H,W] in [-1,1] -> [N] distances."""
        total = 0
        for fa, fb, w in zip(self.features(a), self.features(b), self.heads):
            d = torch.nn.functional.conv2d((fa - fb) ** 2, w)
            total = total + d.mean((1, 2, 3))
        return total
