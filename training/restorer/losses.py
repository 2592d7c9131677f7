"""The paper's losses: L1 + perceptual (LPIPS SqueezeNet), global adversarial, eye/mouth ROI adversarial with a
Gram style loss on the ROI discriminators' features, identity (the npm identity model, ported)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ROI boxes (x0, y0, size) on the 512 FFHQ template: eyes around the template eye points, mouth around the
# midpoint of the mouth corners (template: eyes (193,240) (319,240), mouth corners (201,371) (313,371)).
EYE_BOXES = [(145, 192, 96), (271, 192, 96)]
MOUTH_BOX = (185, 299, 144)


def crop(x, box, size=None):
    """A template box of the face, resized to size x size (None: at the face's own resolution)."""
    x0, y0, s = box
    scale = x.shape[-1] / 512
    x0, y0, s = int(x0 * scale), int(y0 * scale), int(s * scale)
    c = x[..., y0:y0 + s, x0:x0 + s]
    return F.interpolate(c, size=(size, size), mode="bilinear", align_corners=False) if size and c.shape[-1] != size else c


def eye_crops(x, size=64):
    return torch.cat([crop(x, b, size) for b in EYE_BOXES], 0)


def mouth_crops(x, size=96):
    return crop(x, MOUTH_BOX, size)


class PatchDiscriminator(nn.Module):
    """A small spectral-normalised patch discriminator; returns (logits, intermediate features for Gram loss).

    highpass > 0: it judges the image minus its 3 x 3 mean, times that gain (the texture critic). Why: on raw RGB
    this network stayed at chance for 240 updates telling real 128-pixel windows from our outputs, and for 150
    telling them from the same windows cut to half resolution (loss 1.37, chance 1.386); on the high-pass band it
    separated the latter within 25 (0.88) and reached 0.28 by 150. The fine band is a few hundredths of the
    signal, too small for spectral-normalised layers to find on their own in a CPU budget. pool > 1 averages the
    window first, so the band judged is pool times coarser."""

    def __init__(self, widths=(32, 64, 128, 128), highpass=0.0, pool=1):
        super().__init__()
        self.highpass, self.pool = highpass, pool
        layers = []
        cin = 3
        for w in widths:
            layers.append(nn.Sequential(nn.utils.spectral_norm(nn.Conv2d(cin, w, 4, 2, 1)), nn.LeakyReLU(0.2, True)))
            cin = w
        self.layers = nn.ModuleList(layers)
        self.head = nn.utils.spectral_norm(nn.Conv2d(cin, 1, 3, 1, 1))

    def forward(self, x):
        if self.pool > 1:  # the band pool..2*pool pixels wide: stubble and pores rather than single-pixel grain
            x = F.avg_pool2d(x, self.pool)
        if self.highpass:
            x = (x - F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), 3, 1)) * self.highpass
        feats = []
        for layer in self.layers:
            x = layer(x)
            feats.append(x)
        return self.head(x), feats


class ProjectedDiscriminator(nn.Module):
    """A patch critic on a frozen pretrained network's features (Projected GAN, Sauer et al. 2021; vision-aided GAN,
    Kumari et al. 2022): the LPIPS SqueezeNet's activations at its first `depth` cuts (strides 2 to 16), each judged
    by a small trainable spectral-normalised head; the logits of all levels, flattened side by side.
    Why: the recipe's critics learn their features from scratch, and on the CPU they stayed at chance (about 1.386
    each) through every run ("Critics against chance"); ImageNet features already tell texture from its absence, so
    the heads have only the decision to learn. The backbone is held outside the module (not a submodule): its
    weights are not the critic's, so they are neither trained, nor checkpointed, nor switched on by requires_grad_.
    It returns no features for the Gram style loss: the frozen ones' Gram is the texture_gram term's business."""

    def __init__(self, backbone, depth=4, width=64):
        super().__init__()
        self._backbone = (backbone,)
        self.depth = depth
        channels = [64, 128, 256, 384, 384, 512, 512][:depth]
        sn = nn.utils.spectral_norm
        self.heads = nn.ModuleList(nn.Sequential(sn(nn.Conv2d(c, width, 1)), nn.LeakyReLU(0.2, True),
                                                 sn(nn.Conv2d(width, width, 3, 1, 1)), nn.LeakyReLU(0.2, True),
                                                 sn(nn.Conv2d(width, 1, 1))) for c in channels)

    def forward(self, x):
        feats = self._backbone[0].raw_features(x, self.depth)
        return torch.cat([h(f).flatten(1) for h, f in zip(self.heads, feats)], 1), []


def gram(f):
    n, c, h, w = f.shape
    f = f.view(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def fidelity_weight(points, w):
    """Per-face loss weight at fidelity w, piecewise linear through `points` spaced evenly on [0, 1]: [at 0, at 1]
    is a line; [at 0, at 0.5, at 1] lets the w = 1 end be pulled toward the input without moving the default."""
    if len(points) < 2:
        raise ValueError(f"by_fidelity needs at least two points, got {points}")
    p = torch.as_tensor(points, dtype=w.dtype, device=w.device)
    x = w.clamp(0, 1) * (len(points) - 1)
    i = x.floor().long().clamp(max=len(points) - 2)
    return p[i] + (p[i + 1] - p[i]) * (x - i)


def per_sample(x, weight):
    """Mean over all but the batch axis, then the batch mean weighted by `weight` (None: plain mean). A batch of
    ROI crops stacks the crops of each region one after the other, so the weights repeat to match."""
    x = x.flatten(1).mean(1) if x.dim() > 1 else x
    if weight is None:
        return x.mean()
    return (x * weight.repeat(x.shape[0] // weight.shape[0])).mean()


def roi_lpips(lpips, out, gt, weight=None):
    """LPIPS of the eye and mouth boxes at the face's own resolution (the ROI critics see them resized to 64 and 96,
    and the global perceptual window covers an eye on some iterations only): the eyes are where our outputs
    differ most from the true face (glossy, ringed irises; models/restorer.md)."""
    return sum(per_sample(lpips(crops(out, None), crops(gt, None)), weight) for crops in (eye_crops, mouth_crops))


def gram_loss(feats_fake, feats_real, weight=None):
    return sum(per_sample((gram(a) - gram(b.detach())).abs(), weight) for a, b in zip(feats_fake, feats_real))


def g_adv(logits, weight=None):
    return per_sample(F.softplus(-logits), weight)


def d_adv(real, fake):
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def ssim_map(a, b):
    """SSIM as the metric computes it (core/metrics/ssim.ts, BasicSR's calculate_ssim): each RGB channel on the
    0..255 scale, 11x11 Gaussian window with sigma 1.5, valid region. a, b in [-1, 1]; returns [N, 3, H-10, W-10]."""
    a, b = (a + 1) * 127.5, (b + 1) * 127.5
    g = _gaussian_window().to(a)
    c = a.shape[1]
    kx, ky = g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), g.view(1, 1, -1, 1).repeat(c, 1, 1, 1)
    blur = lambda t: F.conv2d(F.conv2d(t, kx, groups=c), ky, groups=c)
    mu1, mu2 = blur(a), blur(b)
    v1, v2, v12 = blur(a * a) - mu1 ** 2, blur(b * b) - mu2 ** 2, blur(a * b) - mu1 * mu2
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return ((2 * mu1 * mu2 + c1) * (2 * v12 + c2)) / ((mu1 ** 2 + mu2 ** 2 + c1) * (v1 + v2 + c2))


def ssim_loss(out, gt, weight=None):
    """1 - SSIM per face, weighted per face (by_fidelity) as the other terms."""
    return per_sample(1 - ssim_map(out, gt), weight)


def lowpass(x, sigma):
    """Gaussian blur of each channel, sigma in pixels of this image, reflect-padded so that the size is kept."""
    p = max(1, math.ceil(3 * sigma))
    k = _gaussian_window(2 * p + 1, sigma).to(x)
    c = x.shape[1]
    t = F.pad(x, (p, p, p, p), mode="reflect")
    return F.conv2d(F.conv2d(t, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c), k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def band_l1(out, gt, sigma, weight_low=None, weight_high=None):
    """L1 split at a Gaussian of `sigma` (pixels of a 512 face; scaled for smaller ones): (low band, high band),
    each weighted per face. Why: the two ends of the fidelity input are best at different bands (models/restorer.md,
    "Fidelity as two bands": w = 1's low band with w = 0's high band beat the default on four metrics of five), and
    one L1 over the whole image asks the same of both, so the default could only trade one band against the other."""
    s = sigma * gt.shape[-1] / 512
    lo, lg = lowpass(out, s), lowpass(gt, s)
    return per_sample((lo - lg).abs(), weight_low), per_sample(((out - lo) - (gt - lg)).abs(), weight_high)


def high_band_view(out, gt, sigma):
    """The output's high band over the ground truth's low band (split at `sigma`, pixels of a 512 face), for the
    perceptual, adversarial and style terms. Why: fed `out` itself those terms also pull the low band (tone, shape,
    the PSNR and SSIM side) toward whatever looks sharp; fed this view their gradient reaches only the output's high
    band, so the low band answers to the fidelity terms alone (models/restorer.md, "Fidelity as two bands")."""
    s = sigma * gt.shape[-1] / 512
    return out - lowpass(out, s) + lowpass(gt, s).detach()


def band_energy(x, scales=(1, 2), window=16, sigma=1.0):
    """Local RMS of the high-pass band (grey image minus its Gaussian blur, sigma 1) at full and half resolution, in
    window x window cells. It says how much detail there is in each cell, not where its edges lie."""
    g = x.mean(1, keepdim=True)
    bands = []
    for s in scales:
        t = F.avg_pool2d(g, s) if s > 1 else g
        hp = t - lowpass(t, sigma)  # reflect-padded: the band keeps its size, so its cells line up at every scale
        bands.append(torch.sqrt(F.avg_pool2d(hp * hp, window) + 1e-6))
    return bands


def detail_loss(out, gt, weight=None):
    """Detail-energy matching: |local high-pass RMS of the output - that of the ground truth|, at two scales.
    Why: NIQE (and the eye) punish missing fine detail, L1 and SSIM reward it only where it lines up with the
    ground truth pixel for pixel, and the discriminators stayed near chance on the CPU budget. This term asks for
    the ground truth's amount of detail in each 16 x 16 cell whatever its phase (texture matching in the sense of
    EnhanceNet, on band energies instead of features)."""
    return sum(per_sample((a - b.detach()).abs(), weight) for a, b in zip(band_energy(out), band_energy(gt)))


def mscn(x):
    """Mean-subtracted contrast-normalised coefficients of the luma, as NIQE computes them (core/metrics/niqe.ts,
    BasicSR): BT.601 Y on the 16..235 scale, a 7 x 7 Gaussian of sigma 7/6 with edge-replicating padding, and
    (Y - mu) / (sigma + 1), to within 0.01: a small floor under the local variance keeps the gradient finite on flat
    skin. x in [-1, 1] RGB; returns [N, 1, H, W]."""
    rgb = (x + 1) * 127.5
    y = 16 + (65.481 * rgb[:, :1] + 128.553 * rgb[:, 1:2] + 24.966 * rgb[:, 2:3]) / 255
    k = _gaussian_window(7, 7 / 6).to(y)
    blur = lambda t: F.conv2d(F.conv2d(F.pad(t, (3, 3, 3, 3), mode="replicate"), k.view(1, 1, 1, -1)), k.view(1, 1, -1, 1))
    mu = blur(y)
    var = (blur(y * y) - mu * mu).clamp(min=0)
    return (y - mu) / (torch.sqrt(var + 1e-4) + 1)


def mscn_stats(x, cell=32):
    """Local statistics of the MSCN field in cell x cell windows, at full and half resolution (NIQE's two scales):
    E[m^2] and E|m| (the variance and, through their ratio, the shape of NIQE's generalised Gaussian), and for the
    horizontal, vertical and two diagonal neighbours E[m m'] and E|m m'| (the products NIQE fits its asymmetric
    Gaussians to). Returns a list of [N, 10, H/cell, W/cell], one per scale."""
    out = []
    for s in (1, 2):
        t = F.avg_pool2d(x, s) if s > 1 else x
        m = mscn(t)
        c = max(1, cell // s)
        feats = [m * m, m.abs()]
        h, w = m.shape[-2:]
        for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
            x0, x1 = max(0, -dx), w - max(0, dx)
            p = m[..., : h - dy, x0:x1] * m[..., dy:, x0 + dx: x1 + dx]
            feats.append(F.pad(p, (0, abs(dx), 0, dy)))  # zero rows and columns keep the cells aligned
            feats.append(feats[-1].abs())
        out.append(F.avg_pool2d(torch.cat(feats, 1), c))
    return out


def mscn_loss(out, gt, weight=None, cell=32):
    """Naturalness-statistics matching: |local MSCN statistics of the output - those of the ground truth| in cells
    of `cell` pixels (of this image), at two scales, weighted per face.
    Why: NIQE is a distance between such statistics and those of pristine photos, and its gap to the ground truth
    is in flat regions, where the contrast normalisation magnifies a grey level of texture that the detail-energy
    term (losses.detail_loss, unnormalised) does not see: one grey level of grain bought 0.7 NIQE points
    (models/restorer.md, "NIQE against grain"). Matched against the ground truth, cell by cell, the term asks for
    the texture the true face has there (its grain, pores, hair strands, neighbour correlations included), not
    for grain everywhere."""
    return sum(per_sample((a - b.detach()).abs(), weight) for a, b in zip(mscn_stats(out, cell), mscn_stats(gt, cell)))


def patch_gram(f, patch):
    """Gram matrices of f over non-overlapping patch x patch cells: [N, cells, C, C]. A cell smaller than the map
    is the whole map; a remainder at the right and bottom edges is left out."""
    n, c, h, w = f.shape
    p = min(patch, h, w)
    cells = f[..., : h // p * p, : w // p * p].unfold(2, p, p).unfold(3, p, p)  # [N, C, H/p, W/p, p, p]
    cells = cells.permute(0, 2, 3, 1, 4, 5).reshape(n, -1, c, p * p)
    return cells @ cells.transpose(-1, -2) / (c * p * p)


def texture_gram_loss(feats_out, feats_gt, patches, weight=None):
    """EnhanceNet's texture matching loss on the pretrained SqueezeNet's features (LPIPSSqueeze.raw_features): the
    Gram matrix of each cell of `patches[i]` features of layer i, output against ground truth, L1, relative to the
    ground truth's mean Gram magnitude (so that layers of different scale count alike), weighted per face.
    Why: it asks each cell for the ground truth's texture statistics (hair strands, pores, grain) whatever their
    phase, from features that know what natural texture looks like. The critics that were meant to teach texture
    stayed near chance on the CPU (models/restorer.md, "Critics against chance"), and the band-energy term
    (detail_loss) asks only for the amount of detail, not its kind."""
    total = 0.0
    for a, b, p in zip(feats_out, feats_gt, patches):
        ga, gb = patch_gram(a, p), patch_gram(b.detach(), p)
        scale = gb.abs().flatten(1).mean(1).view(-1, 1, 1, 1) + 1e-8
        total = total + per_sample((ga - gb).abs() / scale, weight)
    return total


def region_windows(x, probs, classes, size, count, generator):
    """count size x size windows of each face (size in pixels of a 512 face), centred on pixels drawn in proportion
    to the parser's probability of `classes` (probs [N,19,h,w], any resolution). The same generator state gives the
    same windows, so a critic's real and fake views line up. A face with almost none of those classes (a bald head,
    a hat) gets windows drawn uniformly, so every face contributes and every rank runs the same graph. Stacked window
    after window, as the ROI crops are, so per_sample's per-face weights repeat to match."""
    full = x.shape[-1]
    size = min(size * full // 512, full)
    mass = probs[:, classes].sum(1).flatten(1).float().cpu()
    mass = torch.where(mass.sum(1, keepdim=True) > 0.01 * mass.shape[1], mass, torch.ones_like(mass)) + 1e-6
    picks = torch.multinomial(mass, count, replacement=True, generator=generator)  # [N, count]
    side = probs.shape[-1]
    out = []
    for k in range(count):
        for n in range(x.shape[0]):
            cy, cx = (v * full // side for v in divmod(int(picks[n, k]), side))
            y0, x0 = min(max(cy - size // 2, 0), full - size), min(max(cx - size // 2, 0), full - size)
            out.append(x[n:n + 1, :, y0:y0 + size, x0:x0 + size])
    return torch.cat(out, 0)
