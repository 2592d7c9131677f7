"""SADE restorer: encoder E, VQ codebook prior, semantic-aware fusion (SaFM) and local detail enhancement (LDE).

Shapes for a 512 face with widths (c0, c1, c2, c3): pixel-unshuffle by 4 -> f1 [c0,128] -> f2 [c1,64] ->
f3 [c2,32] -> f4 [c3,16] (256 tokens). The heavy work happens at 1/4 resolution and below so that a face costs a
few GMACs on two CPU cores; the decoder returns to 512 with a pixel shuffle (stage 1, first restorers) or, with
head="upconv", with bilinear upsampling and convolutions that also see the input face at 512 (see UpHead).

Stage 1 (VQAutoencoder): clean face -> E_hq -> quantise with the codebook -> decoder D -> clean face.
Stage 2 (Restorer): degraded face -> E -> f^e; Z_q = nearest codebook entries of f^e;
  XA1(Q=f^e, KV=Z_q); XA2(Q=XA1, KV=Z_seg tokens); XA3(Q=f^e, KV=Z_seg tokens); f_m = XA2 + XA3;
  D (initialised from stage 1) decodes f_m, with LDE at 32, 64 and 128: concat(w * f_i^e, f_i^d) -> conv,
  modulated by the eye+mouth map Z_skip. w is the fidelity input: 0 leans on the prior, 1 on the input.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

EYE_MOUTH = [4, 5, 10, 11, 12]


def conv(cin, cout, k=3, s=1):
    return nn.Conv2d(cin, cout, k, s, k // 2)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), conv(c, c), nn.GroupNorm(8, c), nn.SiLU(), conv(c, c))

    def forward(self, x):
        return x + self.body(x)


class Encoder(nn.Module):
    def __init__(self, widths, blocks=1):
        super().__init__()
        c0, c1, c2, c3 = widths
        self.stem = nn.Sequential(nn.PixelUnshuffle(4), conv(48, c0), *[ResBlock(c0) for _ in range(blocks)])
        self.d1 = nn.Sequential(conv(c0, c1, 3, 2), *[ResBlock(c1) for _ in range(blocks)])
        self.d2 = nn.Sequential(conv(c1, c2, 3, 2), *[ResBlock(c2) for _ in range(blocks)])
        self.d3 = nn.Sequential(conv(c2, c3, 3, 2), *[ResBlock(c3) for _ in range(blocks)])

    def forward(self, x):
        f1 = self.stem(x)
        f2 = self.d1(f1)
        f3 = self.d2(f2)
        f4 = self.d3(f3)
        return [f1, f2, f3, f4]


class Quantizer(nn.Module):
    """Nearest-neighbour VQ with a straight-through gradient (beta 0.25, as VQGAN/CodeFormer), on unit vectors:
    l2-normalised codes and features (as ViT-VQGAN) keep the commitment loss from growing with the encoder's scale
    and keep more codes in use."""

    def __init__(self, codes, dim, beta=0.25):
        super().__init__()
        self.codebook = nn.Embedding(codes, dim)
        self.codebook.weight.data.uniform_(-1 / codes, 1 / codes)
        self.beta = beta

    def codes(self):
        return F.normalize(self.codebook.weight, dim=1)

    def lookup(self, idx, like):
        return self.codes()[idx].view(like.shape[0], like.shape[2], like.shape[3], -1).permute(0, 3, 1, 2)

    def indices(self, z):
        """z: l2-normalised over channels. Nearest code = largest cosine."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        return (flat @ self.codes().t()).argmax(1)

    @torch.no_grad()
    def restart_dead(self, z, usage):
        """Codes unused since the last call are moved onto random encoder outputs (keeps the codebook alive)."""
        dead = (usage == 0).nonzero().flatten()
        if dead.numel() == 0:
            return 0
        flat = F.normalize(z.detach(), dim=1).permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        pick = flat[torch.randint(0, flat.shape[0], (dead.numel(),), device=z.device)]
        self.codebook.weight.data[dead] = pick + 0.01 * torch.randn_like(pick) * pick.std()
        return int(dead.numel())

    def forward(self, z):
        z = F.normalize(z, dim=1)
        idx = self.indices(z)
        q = self.lookup(idx, z)
        loss = F.mse_loss(q, z.detach()) + self.beta * F.mse_loss(z, q.detach())
        return z + (q - z).detach(), loss, idx


class UpHead(nn.Module):
    """128 -> 512 output head of the restorer: bilinear x2, conv, bilinear x2, conv on [features, input face].
    The pixel-shuffle head left a 4x4 grid on restored faces (each output phase has its own filter, and a short
    training never evens them out); here every output pixel is made by the same filters, and the last convolutions
    see the input at full resolution, so that edges can be sharpened where they are rather than where a 1/4
    resolution feature guessed them. The last conv starts at zero: with the residual output the head starts as
    the identity."""

    def __init__(self, c0, mid=32, fine=16, detail=None, detail512=None, noise=None):
        super().__init__()
        self.c128 = nn.Sequential(nn.GroupNorm(8, c0), nn.SiLU(), conv(c0, mid))
        self.c256 = conv(mid, fine)
        self.noise256 = NoiseInjection(fine, 256, **noise) if noise else None
        self.detail = DetailStack(fine, pool=2, **detail) if detail else None
        self.c512 = conv(fine + 3, fine)
        self.noise512 = NoiseInjection(fine, 512, **noise) if noise else None
        self.detail512 = DetailStack(fine, pool=1, **detail512) if detail512 else None
        self.last = conv(fine, 3)
        nn.init.zeros_(self.last.weight)
        nn.init.zeros_(self.last.bias)

    def forward(self, h, x, w=None):
        up = lambda t: F.interpolate(t, scale_factor=2.0, mode="bilinear", align_corners=False)
        h = F.silu(self.c256(F.silu(up(self.c128(h)))))
        if self.noise256 is not None:
            h = self.noise256(h, w)
        if self.detail is not None:
            h = self.detail(h, x)
        h = F.silu(self.c512(torch.cat([up(h), x], 1)))
        if self.noise512 is not None:
            h = self.noise512(h, w)
        if self.detail512 is not None:
            h = self.detail512(h, x)
        return self.last(h)


class ResidualStack(nn.Module):
    """conv in -> residual blocks -> conv out, the last conv zero-initialised: added to a trained network, the stack
    starts as the identity, so the carried function is unchanged at the first step."""

    def __init__(self, cin, cout, width, blocks, gain=1.0):
        super().__init__()
        self.inp = conv(cin, width)
        self.body = nn.ModuleList([nn.Sequential(conv(width, width), nn.SiLU(), conv(width, width)) for _ in range(blocks)])
        self.outp = conv(width, cout)
        self.gain = gain
        nn.init.zeros_(self.outp.weight)
        nn.init.zeros_(self.outp.bias)

    def residual(self, t):
        r = self.inp(t)
        for block in self.body:
            r = r + block(F.silu(r))
        out = self.outp(F.silu(r))
        # No Mul node at gain 1: Refine exports exactly as before the gain existed, which recover_checkpoint relies
        # on to map older shipped files back to their parameters.
        return out * self.gain if self.gain != 1.0 else out


class Refine(ResidualStack):
    """A residual stack at 1/4 resolution (128 for a 512 face) after the last LDE, wider than the decoder's c0.
    The control (a plain CNN with eight such blocks at 128) beat a restorer whose finest level had one block of 32
    channels on every metric: what that level lacked was capacity, so here it gets the control's."""

    def __init__(self, c0, width=64, blocks=4):
        super().__init__(c0, c0, width, blocks)

    def forward(self, h):
        return h + self.residual(h)


class DetailStack(ResidualStack):
    """A residual stack inside the output head at 1/pool of the face's resolution, seeing the input face pooled to
    that size, added to the head's features there. gain multiplies the stack's output, a learning-rate multiplier
    for its zero-initialised last conv under Adam, as w_film_gain.

    At 256 (pool 2, `model.detail`): NIQE of the ground truth itself is 4.0 on val-100, of the ground truth pooled
    to 256 and upsampled again 5.4, pooled to 128 9.5. Reaching NIQE <= 6 takes detail at the 256 scale, and before
    this stack the only layer there was one 3x3 conv of 16 channels on bilinearly upsampled 128 features. The
    global discriminator also judges the output at 256.
    At 512 (pool 1, `model.detail512`, after the 512 conv): with the 256 stack and the detail-energy loss, the
    output's high-pass energy at 256 reached 79% of the ground truth's but at 512 only 60%, and at 512 the head had
    one 3x3 conv over bilinearly upsampled 256 features. It moved NIQE by about 0.1 (models/restorer.md, v19)."""

    def __init__(self, c, width, blocks, gain=10.0, pool=1):
        super().__init__(c + 3, c, width, blocks, gain)
        self.pool = pool

    def forward(self, h, x):
        face = F.avg_pool2d(x, self.pool) if self.pool > 1 else x
        return h + self.residual(torch.cat([h, face], 1))


def is_map(w) -> bool:
    return w is not None and w.dim() == 4 and w.shape[-1] > 1


def at_size(w, t):
    """The fidelity at the resolution of feature map t: a per-face w [N,1,1,1] broadcasts as it is; a fidelity map
    [N,1,H,W] (a different w for each part of the face) is resized to t's height and width."""
    if not is_map(w) or w.shape[-2:] == t.shape[-2:]:
        return w
    return F.interpolate(w, size=t.shape[-2:], mode="bilinear", align_corners=False)


class NoiseInjection(nn.Module):
    """StyleGAN2's noise input (GFPGAN's decoder has it too): one map of unit Gaussian noise added to the head's
    features, with a learned strength per channel that is linear in the fidelity w (at w = 1 the losses ask the
    output to stay with the input, at w = 0 for the ground truth's texture; one strength could only split the
    difference). The layers after it see the face and its features, so where the noise becomes texture (skin,
    hair) and where it is dropped (flat background) is learned.

    Why: the deterministic stacks at 256 and 512 (v15-v19) could only shape detail out of what the degraded input
    still holds; where a face's fine texture was blurred away there is nothing left to shape, and our outputs were
    cleaner than real photos in exactly those regions (models/restorer.md, "NIQE against grain").

    `init` is the starting strength (after the gain). At zero the carried function is unchanged, but every loss is
    even in the strength there (noise of either sign is the same texture), so its gradient starts at zero and the
    strength only random-walks; a small start gives the losses a direction to push. Fresh noise per sample in
    training, so that no pattern is memorised; in eval and export one fixed map drawn from `seed`, a constant of the
    graph, so the same face restores to the same output. The map is rebuilt from the config, not stored in
    checkpoints."""

    def __init__(self, c, size, gain=10.0, seed=0, init=0.0):
        super().__init__()
        self.strength = nn.Parameter(torch.full((1, c, 1, 1), init / gain))
        self.by_fidelity = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gain = gain
        g = torch.Generator().manual_seed(seed * 1000 + size)
        self.register_buffer("fixed", torch.randn(1, 1, size, size, generator=g), persistent=False)

    def forward(self, h, w):
        if self.training:
            noise = torch.randn_like(h[:, :1])
        else:
            noise = self.fixed
        return h + ((self.strength + self.by_fidelity * at_size(w, h)) * self.gain) * noise


class BandGate(nn.Module):
    """Lets the restorer drop the input's own detail where it is noise: out = x - sum_k g_k * band_k(x) + D.

    Why: the output is residual (out = x + D), so everything in the degraded input, its noise and its JPEG blocks
    included, reaches the output unless D cancels it pixel for pixel. D's coarse features (128 and below) know how
    degraded a face is but cannot draw a pixel-exact negative of 3-8 px noise through bilinear upsampling, and the
    head that sees the input at full resolution reaches about 17 px with a few channels. Measured on val-100's 14
    faces with noise above 10 grey levels and little blur, v38 kept the noise at every fidelity (w 1: +0.07 dB and
    NIQE 10.1 against the input's 12.8; models/restorer.md, "Noise the restorer keeps"). Here the input is split
    into Gaussian bands (x - blur_s1, blur_s1 - blur_s2, ...), each into its luma and its chroma, and a gate per
    band and part, computed at 128 from the decoder's features plus a term linear in w, says how much of it to
    remove. The gates start at zero (the carried network is unchanged) and get a gradient from the first step."""

    def __init__(self, c0, sigmas=(1.0, 2.0, 4.0, 8.0), gain=1.0):
        super().__init__()
        self.sigmas = [float(s) for s in sigmas]
        k = len(self.sigmas)
        self.gates = nn.Sequential(nn.GroupNorm(8, c0), nn.SiLU(), nn.Conv2d(c0, 2 * k, 1))
        nn.init.zeros_(self.gates[2].weight)
        nn.init.zeros_(self.gates[2].bias)
        self.by_fidelity = nn.Parameter(torch.zeros(1, 2 * k, 1, 1))
        self.gain = gain
        for i, s in enumerate(self.sigmas):
            r = int(math.ceil(3 * s))
            t = torch.arange(-r, r + 1, dtype=torch.float32)
            g = torch.exp(-0.5 * (t / s) ** 2)
            self.register_buffer(f"kernel{i}", (g / g.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1), persistent=False)

    def blur(self, x, i):
        """Separable Gaussian with zero padding, divided by the kernel's mass inside the image (a replicate or
        reflect pad exports with unknown output shapes in this torch, and the contract asks for static ones)."""
        k = getattr(self, f"kernel{i}")
        r = k.shape[-1] // 2
        h, w = int(x.shape[-2]), int(x.shape[-1])
        mass_x = F.conv2d(x.new_ones(1, 1, 1, w), k[:1], padding=(0, r))
        mass_y = F.conv2d(x.new_ones(1, 1, h, 1), k[:1].transpose(2, 3), padding=(r, 0))
        x = F.conv2d(x, k, padding=(0, r), groups=3) / mass_x
        return F.conv2d(x, k.transpose(2, 3), padding=(r, 0), groups=3) / mass_y

    def forward(self, h, x, w):
        gates = (self.gates(h) + self.by_fidelity * at_size(w, h)) * self.gain
        # A fixed factor, not x's size: the exported graph keeps static shapes (the contract's 512 output).
        gates = F.interpolate(gates, scale_factor=float(x.shape[-1] // h.shape[-1]), mode="bilinear", align_corners=False)
        terms = []
        finer = x
        for i in range(len(self.sigmas)):
            coarser = self.blur(x, i)
            band = finer - coarser
            luma = band.mean(1, keepdim=True)
            terms.append(gates[:, 2 * i:2 * i + 1] * luma + gates[:, 2 * i + 1:2 * i + 2] * (band - luma))
            finer = coarser
        # Summed without a zeros start: a zeros_like(x) would be folded into a 3 MB constant of the exported graph.
        return sum(terms[1:], terms[0])


class Decoder(nn.Module):
    """f @16 -> 512 image. lde(i, feat) is called at 32, 64 and 128 when the restorer provides skips."""

    def __init__(self, widths, blocks=1, head="shuffle", refine=None, detail=None, detail512=None, noise=None,
                 band_gate=None, head_input="input"):
        super().__init__()
        c0, c1, c2, c3 = widths
        if head_input not in ("input", "gated") or (head_input == "gated" and not (band_gate and head == "upconv")):
            raise ValueError(f"head_input {head_input!r}: 'input', or 'gated' with a band gate and the upconv head")
        self.head_input = head_input
        self.refine = Refine(c0, **refine) if refine else None
        self.band_gate = BandGate(c0, **band_gate) if band_gate else None
        self.b4 = nn.Sequential(*[ResBlock(c3) for _ in range(blocks)])
        self.u3 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(c3, c2), *[ResBlock(c2) for _ in range(blocks)])
        self.u2 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(c2, c1), *[ResBlock(c1) for _ in range(blocks)])
        self.u1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), conv(c1, c0), *[ResBlock(c0) for _ in range(blocks)])
        if head == "upconv":
            self.out = UpHead(c0, detail=detail, detail512=detail512, noise=noise)
        else:
            self.out = nn.Sequential(nn.GroupNorm(8, c0), nn.SiLU(), conv(c0, 48), nn.PixelShuffle(4))

    def forward(self, f, lde=None, x=None, w=None):
        h = self.b4(f)
        h = self.u3(h)
        if lde:
            h = lde(0, h)
        h = self.u2(h)
        if lde:
            h = lde(1, h)
        h = self.u1(h)
        if lde:
            h = lde(2, h)
        if self.refine is not None:
            h = self.refine(h)
        if self.head_input == "gated":
            # The head's stacks at 256 and 512 see the face with the gated bands already taken out, not the degraded
            # input. Restoring a noisy face a second time (the first pass's output as the input) drew texture that
            # one pass did not: with the noise in what they see, the stacks could not tell noise from detail
            # (models/restorer.md, "Restoring twice").
            removed = self.band_gate(h, x, w)
            return self.out(h, x - removed, w) - removed
        out = self.out(h, x, w) if isinstance(self.out, UpHead) else self.out(h)
        return out if self.band_gate is None else out - self.band_gate(h, x, w)


class VQAutoencoder(nn.Module):
    def __init__(self, widths=(32, 64, 96, 128), codes=512, code_dim=64, blocks=1):
        super().__init__()
        self.encoder = Encoder(widths, blocks)
        self.pre_quant = nn.Conv2d(widths[3], code_dim, 1)
        self.quantizer = Quantizer(codes, code_dim)
        self.post_quant = nn.Conv2d(code_dim, widths[3], 1)
        self.decoder = Decoder(widths, blocks)

    def forward(self, x):
        z = self.pre_quant(self.encoder(x)[3])
        q, vq_loss, idx = self.quantizer(z)
        return self.decoder(self.post_quant(q)), vq_loss, idx, z


class CrossAttention(nn.Module):
    """Pre-norm multi-head cross-attention with a feed-forward, on token maps [N,C,H,W]."""

    def __init__(self, dim, heads):
        super().__init__()
        self.nq = nn.LayerNorm(dim)
        self.nkv = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ff = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))

    def forward(self, q, kv, pos):
        n, c, h, w = q.shape
        qt = q.flatten(2).transpose(1, 2) + pos
        kt = kv.flatten(2).transpose(1, 2) + pos
        kn = self.nkv(kt)
        x = qt + self.attn(self.nq(qt), kn, kn, need_weights=False)[0]
        x = x + self.ff(x)
        return x.transpose(1, 2).reshape(n, c, h, w)


class SaFM(nn.Module):
    def __init__(self, dim, heads, tokens):
        super().__init__()
        self.pos = nn.Parameter(torch.zeros(1, tokens, dim))
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.xa1 = CrossAttention(dim, heads)
        self.xa2 = CrossAttention(dim, heads)
        self.xa3 = CrossAttention(dim, heads)

    def forward(self, fe, zq, zseg):
        a1 = self.xa1(fe, zq, self.pos)
        return self.xa2(a1, zseg, self.pos) + self.xa3(fe, zseg, self.pos)


class SegEncoder(nn.Module):
    """Z_seg (parser probabilities at 128) -> tokens at 16 with the model width."""

    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(conv(19, 32, 3, 2), nn.SiLU(), conv(32, 64, 3, 2), nn.SiLU(), conv(64, dim, 3, 2),
                                 nn.SiLU(), conv(dim, dim))

    def forward(self, seg):
        return self.net(seg)


class LDE(nn.Module):
    """concat(w * f_i^e, f_i^d) -> conv, then spatial feature transform by Z_skip (eye + mouth map) and,
    with w_film, a per-channel scale and shift from w. Scaling the skip by w alone gave w no visible effect (the input
    also reaches the decoder through XA3, the output head and the residual); the w modulation is a direct route.
    It starts at zero, so weights trained without it carry over unchanged. w_film_gain multiplies its output: with
    Adam every weight moves about lr per step whatever its gradient, so at gain 1 the modulation grew too slowly to
    matter in a CPU budget (0.4% of the correction after 200 iterations); the gain is a learning-rate multiplier."""

    def __init__(self, c, w_film=False, w_film_gain=1.0):
        super().__init__()
        self.fuse = nn.Sequential(conv(2 * c, c), nn.SiLU(), conv(c, c))
        self.skip = nn.Sequential(conv(1, 32), nn.SiLU())
        self.gamma = conv(32, c)
        self.beta = conv(32, c)
        self.w_film = nn.Linear(1, 2 * c) if w_film else None
        self.w_film_gain = w_film_gain
        for m in filter(None, (self.gamma, self.beta, self.w_film)):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, fe, fd, zskip, w):
        w = at_size(w, fd)
        h = self.fuse(torch.cat([fe * w, fd], 1))
        s = self.skip(F.interpolate(zskip, size=fd.shape[-2:], mode="bilinear", align_corners=False))
        gamma, beta = self.gamma(s), self.beta(s)
        if self.w_film is not None:
            if is_map(w):
                # the Linear(1, 2c) applied at every pixel of the map, which is what it does to a scalar w
                wg, wb = (F.conv2d(w, self.w_film.weight.view(-1, 1, 1, 1), self.w_film.bias) * self.w_film_gain).chunk(2, 1)
            else:
                # kept op for op as it was for one w per face: the shipped graph, which recover_checkpoint matches
                wg, wb = (self.w_film(w.view(-1, 1)) * self.w_film_gain).view(-1, 2 * h.shape[1], 1, 1).chunk(2, 1)
            gamma, beta = gamma + wg, beta + wb
        h = h * (1 + gamma) + beta
        return fd + h


class Restorer(nn.Module):
    def __init__(self, widths=(32, 64, 96, 128), codes=512, code_dim=64, blocks=1, heads=4, use_seg=True,
                 use_safm=True, use_lde=True, residual=True, head="shuffle", refine=None, w_film=False, w_film_gain=1.0,
                 detail=None, detail512=None, noise=None, band_gate=None, head_input="input"):
        super().__init__()
        c0, c1, c2, c3 = widths
        self.use_seg, self.use_safm, self.use_lde = use_seg, use_safm, use_lde
        # Residual output: the network starts as the identity and learns corrections, which is what lets a
        # small CPU training budget end above the input rather than below it.
        self.residual = residual
        self.encoder = Encoder(widths, blocks)
        self.pre_quant = nn.Conv2d(c3, code_dim, 1)
        self.quantizer = Quantizer(codes, code_dim)
        self.post_quant = nn.Conv2d(code_dim, c3, 1)
        self.seg = SegEncoder(c3)
        self.safm = SaFM(c3, heads, 256)
        self.decoder = Decoder(widths, blocks, head, refine, detail, detail512, noise, band_gate, head_input)
        self.lde = nn.ModuleList([LDE(c, w_film, w_film_gain) for c in (c2, c1, c0)])

    def load_prior(self, vq: VQAutoencoder):
        """Stage 2 starts from stage 1: encoder, codebook and decoder of the VQ autoencoder."""
        self.encoder.load_state_dict(vq.encoder.state_dict())
        self.pre_quant.load_state_dict(vq.pre_quant.state_dict())
        self.quantizer.load_state_dict(vq.quantizer.state_dict())
        self.post_quant.load_state_dict(vq.post_quant.state_dict())
        self.load_decoder(vq.decoder.state_dict())
        self.quantizer.requires_grad_(False)
        if self.residual and not isinstance(self.decoder.out, UpHead):
            last = self.decoder.out[2]
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def load_decoder(self, state):
        """A decoder's weights. What the source lacks starts fresh: an output head of another kind (a pixel-shuffle
        source for an UpHead decoder), a Refine stack and the detail stacks (which start as the identity), the noise
        inputs (which start at their config's `init`), the band gate (which starts removing nothing)."""
        own = self.decoder.state_dict()
        carried = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
        dropped = [k for k in state if k not in carried]
        assert all(k.startswith("out.") for k in dropped), dropped
        missing, _ = self.decoder.load_state_dict(carried, strict=False)
        fresh = ("out.", "refine.", "band_gate.") if dropped else (
            "refine.", "out.detail.", "out.detail512.", "out.noise256.", "out.noise512.", "band_gate.")
        assert all(k.startswith(fresh) for k in missing), missing

    def load_carried(self, state):
        """Start from another restorer's weights (init_checkpoint), whatever its output head."""
        dec = {k[len("decoder."):]: v for k, v in state.items() if k.startswith("decoder.")}
        rest = {k: v for k, v in state.items() if not k.startswith("decoder.")}
        missing, unexpected = self.load_state_dict(rest, strict=False)
        # A source older than the LDE's w modulation lacks it; it starts at zero (no change to the source).
        assert all(k.startswith("decoder.") or ".w_film." in k for k in missing) and not unexpected, (missing, unexpected)
        self.load_decoder(dec)

    def forward(self, x, seg, fidelity):
        """x [N,3,512,512] in [-1,1]; seg [N,19,128,128] probabilities; fidelity [N] or [1] in [0,1], or a map
        [N,1,H,W] of it over the face."""
        feats = self.encoder(x)
        fe = feats[3]
        z = F.normalize(self.pre_quant(fe), dim=1)
        zq = self.post_quant(self.quantizer.lookup(self.quantizer.indices(z), z))
        if not self.use_seg:
            # Multiplied rather than replaced, so that the exported graph keeps its "seg" input (same contract).
            seg = seg * 0.0
        zseg = self.seg(seg)
        if self.use_safm:
            fm = self.safm(fe, zq, zseg)
        else:
            fm = fe + zq + zseg
        w = fidelity if fidelity.dim() == 4 else fidelity.view(-1, 1, 1, 1)
        zskip = seg[:, EYE_MOUTH].sum(1, keepdim=True)
        skips = [feats[2], feats[1], feats[0]]
        if self.use_lde:
            lde = lambda i, h: self.lde[i](skips[i], h, zskip, w)
        else:
            lde = lambda i, h: h + skips[i] * w
        out = self.decoder(fm, lde, x, w)
        return x + out if self.residual else out


class ControlCNN(nn.Module):
    """The issue's control: a plain residual CNN (pixel-unshuffle by 4, eight residual blocks, ~0.6M parameters),
    no prior, no semantics. Same call signature as Restorer so that it exports to the same contract."""

    def __init__(self, width=96, blocks=8):
        super().__init__()
        self.head = nn.Sequential(nn.PixelUnshuffle(4), conv(48, width))
        self.body = nn.Sequential(*[nn.Sequential(conv(width, width), nn.ReLU(True), conv(width, width)) for _ in range(blocks)])
        self.tail = nn.Sequential(conv(width, 48), nn.PixelShuffle(4))

    def forward(self, x, seg=None, fidelity=None):
        h = self.head(x)
        for block in self.body:
            h = h + block(h)
        out = x + self.tail(h)
        if seg is not None and fidelity is not None:
            # Ignored, but kept in the graph so the control exports to the restorer's contract (same inputs).
            out = out + 0.0 * (seg.mean() + fidelity.mean())
        return out


class RestorerExport(nn.Module):
    """The shipped graph (models/models.json "restorer"): clamps to the contract's [-1,1]."""

    def __init__(self, net: Restorer):
        super().__init__()
        self.net = net

    def forward(self, input, seg, fidelity):
        return torch.clamp(self.net(input, seg, fidelity), -1.0, 1.0)
