"""Export LPIPS v0.1 (SqueezeNet 1.1 backbone) as an ONNX model for `sade eval`.

Build step only: core/metrics/lpips.ts runs this (python3 + torch + torchvision) when its cache is missing, and
then evaluates the ONNX file with onnxruntime-node. Nothing here ships to users; the weights stay in ../shared.

Model contract (mirrored in core/metrics/lpips.ts):
  inputs  a, b: float32 [1, 3, H, W], RGB in [-1, 1] (x / 255 * 2 - 1), H and W dynamic (>= 32)
  output  distance: float32 [1], the LPIPS distance (spatial mean per layer, summed over 7 layers)

LPIPS (Zhang et al. 2018, v0.1): scaling layer (x - shift) / scale; SqueezeNet `features` cut after layers
1, 4, 7, 9, 10, 11, 12; each feature map unit-normalised over channels (eps 1e-10); squared difference; a 1x1
convolution without bias (the learned `lin` head); spatial mean; sum over layers.

Usage: export-lpips-squeeze.py --backbone backbone.pth --head head-v0.1.pth --out lpips-squeeze.onnx [--check A B]
"""
import argparse
import sys

import torch
import torch.nn as nn
import torchvision

SHIFT = [-0.030, -0.088, -0.188]
SCALE = [0.458, 0.448, 0.450]
CUTS = [(0, 2), (2, 5), (5, 8), (8, 10), (10, 11), (11, 12), (12, 13)]
CHANNELS = [64, 128, 256, 384, 384, 512, 512]


class LpipsSqueeze(nn.Module):
    def __init__(self, backbone_state, head_state):
        super().__init__()
        features = torchvision.models.squeezenet1_1().features
        features.load_state_dict(backbone_state)
        self.slices = nn.ModuleList([features[a:b] for a, b in CUTS])
        self.heads = nn.ModuleList()
        for i, ch in enumerate(CHANNELS):
            conv = nn.Conv2d(ch, 1, 1, bias=False)
            conv.weight.data.copy_(head_state[f"lin{i}.model.1.weight"])
            self.heads.append(conv)
        self.register_buffer("shift", torch.tensor(SHIFT).view(1, 3, 1, 1))
        self.register_buffer("scale", torch.tensor(SCALE).view(1, 3, 1, 1))

    def features(self, x):
        x = (x - self.shift) / self.scale
        out = []
        for s in self.slices:
            x = s(x)
            out.append(x)
        return out

    def forward(self, a, b):
        fa, fb = self.features(a), self.features(b)
        total = 0
        for head, x, y in zip(self.heads, fa, fb):
            x = x / (torch.sqrt(torch.sum(x * x, dim=1, keepdim=True)) + 1e-10)
            y = y / (torch.sqrt(torch.sum(y * y, dim=1, keepdim=True)) + 1e-10)
            total = total + head((x - y) ** 2).mean(dim=[2, 3])
        return total.view(1)


def load_rgb(path):
    import cv2  # only for --check

    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise SystemExit(f"cannot read {path}")
    t = torch.from_numpy(img[:, :, ::-1].copy()).permute(2, 0, 1).float()[None]
    return t / 255.0 * 2 - 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backbone", required=True)
    p.add_argument("--head", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--check", nargs=2, metavar=("A", "B"), help="print the torch distance of two images and exit")
    args = p.parse_args()

    model = LpipsSqueeze(torch.load(args.backbone, map_location="cpu"), torch.load(args.head, map_location="cpu"))
    model.eval()
    if args.check:
        with torch.no_grad():
            print(float(model(load_rgb(args.check[0]), load_rgb(args.check[1]))))
        return
    dummy = torch.zeros(1, 3, 64, 64)
    torch.onnx.export(
        model,
        (dummy, dummy),
        args.out,
        input_names=["a", "b"],
        output_names=["distance"],
        dynamic_axes={"a": {2: "h", 3: "w"}, "b": {2: "h", 3: "w"}},
        opset_version=13,
    )
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
