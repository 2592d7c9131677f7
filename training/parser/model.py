"""A compact encoder-decoder face parser (BiSeNet-like context path + a detail path at 1/2 resolution).

Contract (models/models.json, "parser"): input [1,3,512,512] RGB in [-1,1]; outputs "labels" uint8 [1,512,512]
(argmax) and "probs" float32 [1,19,128,128] (softmax at 1/4 resolution, Z_seg for the restorer). The network sees a
256x256 version of the face: the context path needs no finer input, and it keeps the cost well under the 0.3 s
budget. The detail path (v2, `detail_stride2` / `detail_extra`) reads the full 512 input with stride-2 convolutions,
because eyes are about 20x10 px at 256 and their edges are what the average pooling removed.
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
    def __init__(self, widths=(16, 32, 64, 96, 128), blocks=(1, 2, 2, 2), detail_stride2=False, detail_extra=0,
                 head_width=None):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        # The last decoder stage, where boundaries are drawn (v3 widens it: v2 under-fitted the eyes of its own
        # training faces, IoU 0.60).
        head_width = head_width or w0 * 2
        self.detail_stride2 = detail_stride2
        if detail_stride2:
            # 6x6 stride 2 on the 512 input: a superset of "average-pool by 2, then 3x3" (see widen_checkpoint).
            self.detail = nn.Sequential(nn.Conv2d(3, w0, 6, 2, 2, bias=False), nn.BatchNorm2d(w0), nn.ReLU(inplace=True))
        else:
            self.detail = conv_bn(3, w0)  # 256
        # Extra full-resolution detail channels, fed only to the last decoder stage (the one that draws edges).
        self.detail2 = nn.Sequential(conv_bn(3, detail_extra, 2), conv_bn(detail_extra, detail_extra)) if detail_extra else None
        self.stem = conv_bn(w0, w1, 2)  # 128
        self.s2 = nn.Sequential(ResBlock(w1, w2, 2), *[ResBlock(w2, w2) for _ in range(blocks[1] - 1)])  # 64
        self.s3 = nn.Sequential(ResBlock(w2, w3, 2), *[ResBlock(w3, w3) for _ in range(blocks[2] - 1)])  # 32
        self.s4 = nn.Sequential(ResBlock(w3, w4, 2), *[ResBlock(w4, w4) for _ in range(blocks[3] - 1)])  # 16
        self.context = nn.Sequential(nn.Conv2d(w4, w4, 1, bias=False), nn.BatchNorm2d(w4), nn.ReLU(inplace=True))
        self.up3 = Up(w4, w3, w3)
        self.up2 = Up(w3, w2, w2)
        self.up1 = Up(w2, w1, w1)
        self.up0 = Up(w1, w0 + detail_extra, head_width)
        self.head = nn.Conv2d(head_width, NUM_CLASSES, 1)
        self.aux = nn.Conv2d(w2, NUM_CLASSES, 1)

    def forward_logits(self, x):
        """x: [N,3,512,512] in [-1,1] -> (logits at 256, auxiliary logits at 64)."""
        full = x
        x = F.avg_pool2d(x, 2)
        d = self.detail(full if self.detail_stride2 else x)
        f1 = self.stem(d)
        f2 = self.s2(f1)
        f3 = self.s3(f2)
        f4 = self.s4(f3)
        f4 = f4 + self.context(f4.mean((2, 3), keepdim=True))
        y = self.up3(f4, f3)
        y2 = self.up2(y, f2)
        y = self.up1(y2, f1)
        y = self.up0(y, d if self.detail2 is None else torch.cat([d, self.detail2(full)], 1))
        return self.head(y), self.aux(y2)

    def forward(self, x):
        logits, _ = self.forward_logits(x)
        return logits


def widen_checkpoint(old: dict, net: ParserNet) -> dict:
    """Carry an earlier parser's weights into a wider net that computes the same function at the start (in eval
    mode). v1 -> v2: the 3x3 detail conv on the pooled face becomes the equivalent 6x6 stride-2 conv on the full face
    (each tap spread over the 2x2 pixels it averaged), and the extra detail channels enter the decoder with zero
    weights. v2 -> v3: the last decoder stage gains channels; old channels keep their weights, weights from new
    channels into old ones (and into the head) are zero, and new channels start fresh."""
    new = net.state_dict()
    out = {}
    for k, v in old.items():
        target = new[k]
        if v.shape == target.shape:
            out[k] = v
        elif k == "detail.0.weight" and target.shape[-1] == 2 * v.shape[-1]:
            out[k] = torch.kron(v, torch.ones(2, 2)) / 4
        elif v.dim() == target.dim() and v.shape[2:] == target.shape[2:] and all(
                a <= b for a, b in zip(v.shape[:2], target.shape[:2])):
            w = target.clone()
            if v.dim() >= 2:
                w[: v.shape[0], v.shape[1]:] = 0  # new inputs into old outputs
                w[: v.shape[0], : v.shape[1]] = v
            else:
                w[: v.shape[0]] = v  # biases, batch-norm parameters and statistics of the old channels
            out[k] = w
        else:
            raise ValueError(f"parser checkpoint: cannot carry {k} {tuple(v.shape)} into {tuple(target.shape)}")
    for k, v in new.items():
        out.setdefault(k, v)  # a new branch keeps its fresh initialisation
    return out


# Channel order of a mirrored label map: a horizontal flip turns the subject's left eye/brow/ear into the right one
# (training/common/faces.py FLIP_SWAP).
FLIP_CHANNELS = [0, 1, 2, 3, 5, 4, 7, 6, 9, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18]


class FlipAveraged(nn.Module):
    """Logits averaged over the face and its mirror image (channels swapped back). A face is nearly symmetric, so
    the two passes err differently on the small symmetric parts (eyes, brows, ears), and their mean is steadier; it
    doubles the parser's cost, which its 0.3 s budget affords."""

    def __init__(self, net: ParserNet):
        super().__init__()
        self.net = net
        self.register_buffer("perm", torch.tensor(FLIP_CHANNELS), persistent=False)

    def forward(self, x):
        both = self.net(torch.cat([x, torch.flip(x, dims=[3])], 0))
        n = x.shape[0]
        mirrored = torch.flip(both[n:], dims=[3]).index_select(1, self.perm)
        return 0.5 * (both[:n] + mirrored)


class ParserExport(nn.Module):
    """The shipped graph: labels at 512 and Z_seg probabilities at 128, from flip-averaged logits."""

    def __init__(self, net: ParserNet, flip_average: bool = True):
        super().__init__()
        self.net = FlipAveraged(net) if flip_average else net

    def forward(self, input):
        logits = self.net(input)
        full = F.interpolate(logits, scale_factor=2.0, mode="bilinear", align_corners=False)
        labels = torch.argmax(full, dim=1).to(torch.uint8)
        probs = torch.softmax(F.avg_pool2d(logits, 2), dim=1)
        return labels, probs
