"""A compact encoder-decoder face parser (BiSeNet-like context path + a detail path at 1/2 resolution).

Contract (models/models.json, "parser"): input [1,3,512,512] RGB in [-1,1]; outputs "labels" uint8 [1,512,512]
(argmax) and "probs" float32 [1,19,128,128] (softmax at 1/4 resolution, Z_seg for the restorer). The network sees a
256x256 version of the face: parsing needs no finer input, and it keeps the cost well under the 0.3 s budget.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_CLASSES = 19


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.c1 = conv_bn(cin, cout, stride)
        self.c2 = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.skip = None
        if stride != 1 or cin != cout:
            self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        s = x if self.skip is None else self.skip(x)
        return F.relu(self.c2(self.c1(x)) + s)


class Up(nn.Module):
    """Upsample the coarse path and fuse the skip (concat -> conv)."""

    def __init__(self, cin, cskip, cout):
        super().__init__()
        self.fuse = nn.Sequential(conv_bn(cin + cskip, cout), conv_bn(cout, cout))

    def forward(self, x, skip):
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.fuse(torch.cat([x, skip], 1))


class ParserNet(nn.Module):
    def __init__(self, widths=(16, 32, 64, 96, 128), blocks=(1, 2, 2, 2)):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.detail = conv_bn(3, w0)  # 256
        self.stem = conv_bn(w0, w1, 2)  # 128
        self.s2 = nn.Sequential(ResBlock(w1, w2, 2), *[ResBlock(w2, w2) for _ in range(blocks[1] - 1)])  # 64
        self.s3 = nn.Sequential(ResBlock(w2, w3, 2), *[ResBlock(w3, w3) for _ in range(blocks[2] - 1)])  # 32
        self.s4 = nn.Sequential(ResBlock(w3, w4, 2), *[ResBlock(w4, w4) for _ in range(blocks[3] - 1)])  # 16
        self.context = nn.Sequential(nn.Conv2d(w4, w4, 1, bias=False), nn.BatchNorm2d(w4), nn.ReLU(inplace=True))
        self.up3 = Up(w4, w3, w3)
        self.up2 = Up(w3, w2, w2)
        self.up1 = Up(w2, w1, w1)
        self.up0 = Up(w1, w0, w0 * 2)
        self.head = nn.Conv2d(w0 * 2, NUM_CLASSES, 1)
        self.aux = nn.Conv2d(w2, NUM_CLASSES, 1)

    def forward_logits(self, x):
        """x: [N,3,512,512] in [-1,1] -> (logits at 256, auxiliary logits at 64)."""
        x = F.avg_pool2d(x, 2)
        d = self.detail(x)
        f1 = self.stem(d)
        f2 = self.s2(f1)
        f3 = self.s3(f2)
        f4 = self.s4(f3)
        f4 = f4 + self.context(f4.mean((2, 3), keepdim=True))
        y = self.up3(f4, f3)
        y2 = self.up2(y, f2)
        y = self.up1(y2, f1)
        y = self.up0(y, d)
        return self.head(y), self.aux(y2)

    def forward(self, x):
        logits, _ = self.forward_logits(x)
        return logits


class ParserExport(nn.Module):
    """The shipped graph: labels at 512 and Z_seg probabilities at 128."""

    def __init__(self, net: ParserNet):
        super().__init__()
        self.net = net

    def forward(self, input):
        logits = self.net(input)
        full = F.interpolate(logits, scale_factor=2.0, mode="bilinear", align_corners=False)
        labels = torch.argmax(full, dim=1).to(torch.uint8)
        probs = torch.softmax(F.avg_pool2d(logits, 2), dim=1)
        return labels, probs
