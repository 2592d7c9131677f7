"""Train the restorer, stage 1 (VQ autoencoder on clean faces) or stage 2 (SaFM restorer), per the config's "stage";
"distill" folds a trained restorer's two-band fidelity (two calls) into one call of a copy of it.

  python3 -m training.restorer.train --config training/configs/restorer-vq.json
  python3 -m training.restorer.train --config training/configs/restorer.json
  torchrun --nproc_per_node=8 -m training.restorer.train --config ...     (DDP on GPUs)

Resumes from RUN_DIR/last.pt; the config's time budget counts across resumes."""
import argparse
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

from ..common.faces import restoration_train_images, restoration_val_images
from ..common.identity import IdentityEmbedder
from ..common.lpips import LPIPSSqueeze
from ..common.paths import REPO
from ..common.train_utils import (Logger, from_main_, is_main, load_checkpoint, load_config, main_value, save_checkpoint, setup_runtime,
                                  finish_runtime, sum_over_ranks_, unwrap, rank_agreement)
from ..parser.model import ParserNet
from .data import FaceDataset, degraded_pair_set, to_tensor
from .losses import (PatchDiscriminator, ProjectedDiscriminator, band_l1, d_adv, detail_loss, eye_crops, fidelity_weight, g_adv, gram_loss, high_band_view,
                     lowpass, mouth_crops, mscn_loss, per_sample, region_windows, roi_lpips, ssim_loss, ssim_map, texture_gram_loss)
from .model import ControlCNN, Restorer, VQAutoencoder


def loaders(cfg, rt, degraded):
    tc = cfg["train"]
    paths = restoration_train_images()
    if "train_limit" in tc:
        paths = paths[: tc["train_limit"]] + paths[-tc["train_limit"]:]
    full = [p for p in paths if "celebahq" in str(p)]
    small = [p for p in paths if "ffhq" in str(p)]
    out = {}
    for name, ps, size in (("full", full, 512), ("small", small, 256)):
        if not ps:
            continue
        ds = FaceDataset(ps, size, degraded, seed=tc["seed"] + rt["rank"], crop=tc.get("crop", 0))
        sampler = DistributedSampler(ds) if rt["world"] > 1 else None
        out[name] = DataLoader(ds, batch_size=tc["batch"], shuffle=sampler is None, sampler=sampler, drop_last=True,
                               num_workers=tc["workers"], persistent_workers=tc["workers"] > 0)
    return out


def forever(loader):
    epoch = 0
    while True:
        if isinstance(loader.sampler, DistributedSampler):
            loader.sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def generator_optimizer(net, tc):
    """Adam over the generator's trainable parameters, in groups by their `lr_mult` (train.lr_mult: {name prefix:
    multiplier}, the first matching prefix wins; the rest at 1). Why: a part added to a trained network (the band
    gate of v46) starts at zero under a rate chosen for the rest, and at v46's rate its gates were still moving when
    the run ended (models/restorer.md, "Training")."""
    mults = tc.get("lr_mult", {})
    groups = {}
    for name, p in net.named_parameters():
        if p.requires_grad:
            groups.setdefault(next((float(m) for k, m in mults.items() if name.startswith(k)), 1.0), []).append(p)
    return torch.optim.Adam([{"params": ps, "lr": tc["lr"] * m, "lr_mult": m} for m, ps in sorted(groups.items())],
                            lr=tc["lr"], betas=(0.5, 0.99))


def load_parser(cfg, device):
    path = REPO / cfg["parser_checkpoint"]
    ck = torch.load(path, map_location="cpu")
    net = ParserNet(**ck["config"]["model"])
    net.load_state_dict(ck["model"])
    net.mtime = path.stat().st_mtime
    return net.to(device).eval().requires_grad_(False)


def refresh_parser(cfg, parser, device):
    """When the parser is still training beside this run, follow its latest checkpoint so that Z_seg in training
    converges to what the shipped parser gives."""
    path = REPO / cfg["parser_checkpoint"]
    if not path.exists() or path.stat().st_mtime == parser.mtime:  # a parser run restarted: no checkpoint yet
        return parser, False
    try:
        return load_parser(cfg, device), True
    except (RuntimeError, EOFError):  # caught mid-write: keep the current one
        return parser, False


def parse_probs(parser, x):
    if parser is None:
        return torch.zeros(x.shape[0], 19, x.shape[2] // 4, x.shape[3] // 4, device=x.device)
    with torch.no_grad():
        return torch.softmax(F.avg_pool2d(parser(x), 2), 1)


def same_crop(a, b, size, rng):
    """One random size x size window of both images: the perceptual loss at full resolution, at a quarter of the
    cost of the whole 512 face (LPIPS was the most expensive term of an iteration)."""
    if not size or a.shape[-1] <= size:
        return a, b
    y, x = rng.randrange(a.shape[-2] - size + 1), rng.randrange(a.shape[-1] - size + 1)
    return a[..., y:y + size, x:x + size], b[..., y:y + size, x:x + size]


def at_gt_size(out, gt):
    return F.adaptive_avg_pool2d(out, gt.shape[-2:]) if out.shape[-1] != gt.shape[-1] else out


def texture_crops(x, size, count, rng):
    """count random size x size windows of each face at full resolution, stacked window after window as the ROI
    crops are, so per_sample's per-face weights repeat to match."""
    if x.shape[-1] <= size:
        return x
    return torch.cat([same_crop(x, x, size, rng)[0] for _ in range(count)], 0)


# Region critics (loss.NAME_roi > 0): ROI critics of windows centred in parsing classes (train.NAME_classes, these
# by default), beside the eye and mouth ones.
REGION_CRITICS = {"hair": [13], "skin": [1], "background": [0]}


def optional_views(discs, tc, rng, seg):
    """What the optional critics see for one batch (seg: its parser probabilities): the texture critic random
    full-resolution windows (new ones at every call of the view), each region critic windows centred in its
    classes (`train.NAME_classes`, `NAME_crop` 128, `NAME_crops` 2), the same ones for every call, so that its real
    and fake views line up as the eye and mouth boxes do."""
    views = {}
    if "texture" in discs:
        views["texture"] = lambda t: texture_crops(t, tc.get("texture_crop", 128), tc.get("texture_crops", 2), rng)
    for name, classes in REGION_CRITICS.items():
        if name in discs:
            seed = rng.randrange(2 ** 31)
            views[name] = lambda t, name=name, classes=classes, seed=seed: region_windows(
                t, seg, tc.get(f"{name}_classes", classes), tc.get(f"{name}_crop", 128), tc.get(f"{name}_crops", 2),
                torch.Generator().manual_seed(seed))
    return views


def critics(discs, extra=None):
    """(key, what that discriminator sees) for each discriminator of the run: the global one the face pooled to 256,
    the ROI ones the eye and mouth boxes, the optional ones what `extra` (optional_views) gives them."""
    views = [("global", lambda t: F.avg_pool2d(t, 2)), ("eye", eye_crops), ("mouth", mouth_crops)]
    return views + [(k, (extra or {})[k]) for k in ("texture", *REGION_CRITICS) if k in discs]


def make_critic(key, tc, backbone=None):
    """The discriminator of critic `key` for a run's train config: a projected one on `backbone` (the frozen LPIPS
    SqueezeNet) if `train.projected` names it, else the recipe's own patch critic (the texture one with its view)."""
    if key in tc.get("projected", []):
        return ProjectedDiscriminator(backbone, tc.get("projected_depth", 4), tc.get("projected_width", 64))
    if key == "texture":
        return PatchDiscriminator(highpass=tc.get("texture_highpass", 0.0), pool=tc.get("texture_pool", 1))
    return PatchDiscriminator()


def discriminator_step(discs, opt_d, gt, fake, extra=None, only=None, each=None) -> float:
    """One update of the discriminators (all of them, or the keys in `only`) on real faces and restored ones; their
    summed loss, and each one's in `each` (a dict) if given: which critics have left chance (2 ln 2 each)."""
    for d in discs.values():
        d.requires_grad_(True)
    dl = 0.0
    for key, view in critics(discs, extra):
        if only is None or key in only:
            one = d_adv(discs[key](view(gt))[0], discs[key](view(fake))[0])
            dl = dl + one
            if each is not None:
                each[f"d_{key}"] = one.item()
    opt_d.zero_grad(set_to_none=True)
    dl.backward()
    opt_d.step()
    return dl.item()


def warm_discriminators(net, discs, opt_d, stream, parser, steps, dev, log, views_for=None, only=None, repeat=1, view=None):
    """Fresh discriminators for a trained generator (its own were not kept, e.g. weights recovered from ONNX, or one
    new to the recipe): train them alone against its outputs first, so that the adversarial terms start from a
    critic that knows real faces from this generator's, not from noise. `repeat` updates per generated batch: the
    generator's forward pass is most of a step's cost, and the texture critic draws new windows on every update.
    `view(out, gt)`: what the critics will be shown as fakes in training (e.g. losses.high_band_view);
    `views_for(seg)`: the optional critics' views of a batch (optional_views)."""
    net.eval()
    for i in range(steps):
        lq, gt = (t.to(dev) for t in next(stream))
        with torch.no_grad():
            seg = parse_probs(parser, lq)
            fake = net(lq, seg, torch.rand(lq.shape[0], device=dev))
            fake = view(fake, gt) if view else fake
        for _ in range(repeat):
            dl = discriminator_step(discs, opt_d, gt, fake, views_for(seg) if views_for else None, only)
        if (i + 1) % 10 == 0 or i == 0:
            log.log(event="disc_warmup", step=i + 1, d=round(dl, 4), discs=sorted(only or discs))


def frozen_restorer(cfg, checkpoint, device):
    """A teacher: a restorer of this run's graph with a checkpoint's weights, in eval mode and frozen."""
    net = Restorer(**cfg["model"]).to(device)
    net.load_carried(torch.load(REPO / checkpoint, map_location="cpu")["model"])
    return net.eval().requires_grad_(False)


def two_band_target(teacher, lq, seg, w, sigma):
    """The teacher's two-band fidelity at w (what `distill` folds into one call): its output's low band at
    fidelity min(1, 2w) plus its high band at max(0, 2w - 1), each output clamped as the exported graph clamps it."""
    low = teacher(lq, seg, (2 * w).clamp(max=1)).clamp(-1, 1)
    high = teacher(lq, seg, (2 * w - 1).clamp(min=0)).clamp(-1, 1)
    return lowpass(low, sigma) + high - lowpass(high, sigma)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--set", nargs="*", default=[])
    args = ap.parse_args()
    cfg = load_config(args.config, args.set)
    tc, lw = cfg["train"], cfg.get("loss", {})
    # perceptual_high_band: true splits where L1 does (band_sigma); a number is a split of its own, so the perceptual
    # terms can be given mid frequencies (which NIQE counts) while L1 keeps its finer split.
    phb = lw.get("perceptual_high_band")
    view_sigma = phb if type(phb) in (int, float) else lw.get("band_sigma")
    for key, needs, have in (("perceptual_high_band", "band_sigma", view_sigma),
                             ("low_band_teacher", "band_sigma", lw.get("band_sigma")),
                             ("low_band_teacher", "by_fidelity.teacher", lw.get("by_fidelity", {}).get("teacher"))):
        if lw.get(key) and not have:
            raise SystemExit(f"{cfg.get('name', 'config')}: loss.{key} needs loss.{needs}")
    stage = cfg["stage"]
    restorer = stage in ("restore", "distill")
    if stage == "distill" and not {"checkpoint", "sigma"} <= set(cfg.get("distill") or {}):
        raise SystemExit(f"{cfg.get('name', 'config')}: stage distill needs distill.checkpoint and distill.sigma")
    rt = setup_runtime(tc["threads"])
    dev = rt["device"]
    run_dir = Path(args.run_dir or REPO / "training/runs" / cfg["name"])
    log = Logger(run_dir, is_main(rt))
    torch.manual_seed(tc["seed"] + rt["rank"])
    random.seed(tc["seed"] + rt["rank"])

    if stage == "vq":
        net = VQAutoencoder(**cfg["model"]).to(dev)
    elif stage == "control":
        net = ControlCNN(**cfg["model"]).to(dev)
    elif restorer:
        net = Restorer(**cfg["model"]).to(dev)
        net.quantizer.requires_grad_(False)  # the codebook is stage 1's prior: frozen in stage 2, resumed or not
        if tc.get("trainable"):
            # A fine-tune of named parts only (parameter-name prefixes): the frozen rest keeps what it scores, and
            # no gradient flows back through it, so an iteration costs less.
            for n, p in net.named_parameters():
                p.requires_grad_(p.requires_grad and any(n.startswith(t) for t in tc["trainable"]))
            log.log(event="trainable", prefixes=tc["trainable"], params=sum(p.numel() for p in net.parameters() if p.requires_grad),
                    of=sum(p.numel() for p in net.parameters()))
    discs = {}
    if stage == "restore":
        # "texture" (loss.texture > 0): a patch critic of random full-resolution windows. The global one sees the
        # face pooled to 256, so no adversarial signal reached the 512 band, where our outputs were cleaner than
        # real photos (models/restorer.md, "NIQE against grain").
        # "hair" (loss.hair_roi > 0): a fourth ROI critic, of windows centred in the hair, with the Gram style loss on
        # its features like the eye and mouth ones ("skin" and "background", loss.skin_roi and loss.background_roi,
        # the same in those regions). Why: the NIQE the default misses is mostly in the hair, then the background
        # (models/restorer.md, "Fidelity per region"), and no ROI critic looked there.
        keys = ("global", "eye", "mouth") + tuple(k for k, on in [("texture", lw.get("texture"))] + [(r, lw.get(f"{r}_roi")) for r in REGION_CRITICS] if on)
        # train.projected: the critics (keys) that judge the frozen LPIPS SqueezeNet's features with small trained
        # heads instead of learning their own features (losses.ProjectedDiscriminator): those stayed near chance on
        # the CPU, so the adversarial terms taught little (models/restorer.md, "Critics against chance").
        projected = set(tc.get("projected", []))
        if projected - set(keys):
            raise SystemExit(f"{cfg.get('name', 'config')}: train.projected names critics this run lacks: {sorted(projected - set(keys))}")
        backbone = LPIPSSqueeze().to(dev) if projected else None
        discs = {k: make_critic(k, tc, backbone).to(dev) for k in keys}
    opt_g = generator_optimizer(net, tc)
    opt_d = torch.optim.Adam([p for d in discs.values() for p in d.parameters()], lr=tc["lr"] * tc.get("d_lr_mult", 1.0), betas=(0.5, 0.99)) if discs else None
    state = {"iter": 0, "elapsed": 0.0}
    carried = set()
    ck = load_checkpoint(run_dir / "last.pt")
    if ck:
        net.load_state_dict(ck["model"])
        opt_g.load_state_dict(ck["opt_g"])
        for k, d in discs.items():
            d.load_state_dict(ck["discs"][k])
        if opt_d:
            opt_d.load_state_dict(ck["opt_d"])
        state = ck["state"]
        log.log(event="resume", **state)
    elif restorer and cfg.get("init_checkpoint"):
        # A new run from another restorer's weights (only the weights, with fresh optimisers, discriminators and
        # schedule; an output head of another kind starts fresh): a fine-tune, or a new head on trained features.
        init = torch.load(REPO / cfg["init_checkpoint"], map_location="cpu")
        net.load_carried(init["model"])
        # init_discs: true carries the source run's discriminators; a path carries another run's (critics trained
        # against a close relative of this generator, e.g. one this recipe's experiments did not ship).
        discs_from = cfg["init_checkpoint"] if tc.get("init_discs") is True else tc.get("init_discs")
        source = (init if discs_from == cfg["init_checkpoint"] else torch.load(REPO / discs_from, map_location="cpu")) if discs_from else {}
        # Discriminators that have already met this generator: no phase against an untrained critic. One that the
        # source run did not have starts fresh (and is warmed up alone below).
        for k, d in discs.items():
            if k in (source.get("discs") or {}):
                d.load_state_dict(source["discs"][k])
                carried.add(k)
        log.log(event="init", path=cfg["init_checkpoint"], discs=sorted(carried), discs_from=discs_from)
    elif stage == "restore" and cfg.get("prior_checkpoint"):
        prior = VQAutoencoder(**{k: v for k, v in cfg["model"].items() if k in ("widths", "codes", "code_dim", "blocks")})
        prior.load_state_dict(torch.load(REPO / cfg["prior_checkpoint"], map_location="cpu")["model"])
        net.load_prior(prior.to(dev))
        opt_g = generator_optimizer(net, tc)
        log.log(event="prior", path=cfg["prior_checkpoint"])
    model = DDP(net, find_unused_parameters=True) if rt["world"] > 1 else net
    ddp_discs = {k: (DDP(d) if rt["world"] > 1 else d) for k, d in discs.items()}

    teacher = None
    if stage == "restore" and lw.get("low_band_teacher"):
        # low_band_teacher: {"checkpoint": a restorer of this graph, "fidelity": 1.0}, frozen. Its output at that
        # fidelity is the target of our output's low band (weights by_fidelity.teacher), beside the ground truth's:
        # a point the network is known to reach, where the ground truth's low band is partly out of reach and its
        # L1 did not hold the low band once the high band was asked for texture (v29).
        tcfg = lw["low_band_teacher"]
        teacher_w = tcfg.get("fidelity", 1.0)
        teacher = frozen_restorer(cfg, tcfg["checkpoint"], dev)
        log.log(event="teacher", path=tcfg["checkpoint"], fidelity=teacher_w)
    if stage == "distill":
        # distill: {"checkpoint": the restorer to fold, "sigma": the band split}. Its target at fidelity w is the
        # teacher's low band at min(1, 2w) over its high band at max(0, 2w - 1): at the default 0.5, w = 1's
        # structure with w = 0's texture, which beat the one-call default on the SSIM/NIQE trade (models/restorer.md,
        # "Fidelity as two bands"); the two ends stay the teacher's own.
        teacher = frozen_restorer(cfg, cfg["distill"]["checkpoint"], dev)
        log.log(event="teacher", path=cfg["distill"]["checkpoint"], sigma=cfg["distill"]["sigma"])
    lpips = LPIPSSqueeze().to(dev) if stage in ("vq", "restore") or lw.get("lpips") else None
    ident = IdentityEmbedder().to(dev) if stage == "restore" and lw.get("identity", 0) > 0 else None
    parser = load_parser(cfg, dev) if restorer else None
    data = loaders(cfg, rt, degraded=stage != "vq")
    streams = {k: forever(v) for k, v in data.items()}
    rng = random.Random(tc["seed"] * 1000 + rt["rank"] + state["iter"])
    # Draws that choose a branch (which data source, hence whether the adversarial terms run) come from one stream
    # that every rank holds alike: under DDP, ranks on different branches wait for each other's collectives forever.
    shared_rng = random.Random(tc["seed"] * 1000 - 1 - state["iter"])
    perceptual_view = (lambda o, g: high_band_view(o, g, view_sigma)) if phb else None
    if perceptual_view:
        log.log(event="perceptual_view", band="high", sigma=view_sigma)
    views_for = lambda seg: optional_views(discs, tc, rng, seg)
    fresh = set(discs) - carried
    if not ck and fresh and tc.get("disc_warmup"):
        warm_discriminators(net, ddp_discs, opt_d, streams["full"], parser, tc["disc_warmup"], dev, log, views_for, fresh,
                            tc.get("disc_warmup_repeat", 1), perceptual_view)
    val = None
    if is_main(rt) and stage != "vq" and tc.get("eval_every", 0):
        ident = ident or (IdentityEmbedder().to(dev) if stage == "distill" else None)
        lpips = lpips or LPIPSSqueeze().to(dev)
        val = degraded_pair_set(restoration_val_images()[: tc.get("eval_count", 16)], seed=2024)

    budget = tc["minutes"] * 60

    def progress():
        return min(1.0, max(state["iter"] / tc["max_iters"], state["elapsed"] / budget))

    def checkpoint():
        if is_main(rt):
            save_checkpoint(run_dir / "last.pt", model=unwrap(model).state_dict(), opt_g=opt_g.state_dict(),
                            discs={k: d.state_dict() for k, d in discs.items()},
                            opt_d=opt_d.state_dict() if opt_d else None, state=state, config=cfg)

    t_last = time.time()
    usage = torch.zeros(cfg["model"].get("codes", 1), dtype=torch.long, device=dev)
    while progress() < 1.0:
        lr = tc["lr"] * (0.5 * (1 + math.cos(math.pi * progress())) if tc.get("cosine", True) else 1.0)
        # d_lr_mult: the two-timescale rule (TTUR); at the generator's rate the critics stayed near chance on the CPU.
        for o, mult in ((opt_g, 1.0), (opt_d, tc.get("d_lr_mult", 1.0))):
            if o:
                for g in o.param_groups:
                    g["lr"] = lr * mult * g.get("lr_mult", 1.0)
        source = "small" if "small" in streams and shared_rng.random() < tc.get("small_p", 0.3) else "full"
        batch = next(streams[source])
        logs = {}
        if parser is not None and state["iter"] % tc.get("parser_reload_every", 50) == 0:
            parser, reloaded = refresh_parser(cfg, parser, dev)
            if reloaded:
                logs["parser_reloaded"] = 1
        # distill trains in eval mode: the noise inputs then use the exported graph's fixed maps, so the teacher's
        # texture is a function of the input that the student can learn, not a fresh draw it could only average away.
        model.train(stage != "distill")
        if stage == "vq":
            gt = batch.to(dev)
            x = gt if gt.shape[-1] == 512 else F.interpolate(gt, size=(512, 512), mode="bilinear", align_corners=False)
            out, vq_loss, idx, z = model(x)
            usage += torch.bincount(idx, minlength=usage.numel())
            if (state["iter"] + 1) % tc.get("restart_every", 50) == 0:
                # All ranks' usage decides which codes are dead; rank 0's replacements are kept everywhere.
                quantizer = unwrap(model).quantizer
                logs["restarted"] = quantizer.restart_dead(z, sum_over_ranks_(usage, rt))
                from_main_(quantizer.codebook.weight.data, rt)
                usage.zero_()
            o = at_gt_size(out, gt)
            l1 = F.l1_loss(o, gt)
            lp = lpips(o, gt).mean()
            loss = l1 + lp + vq_loss
            logs.update(l1=l1.item(), lpips=lp.item(), vq=vq_loss.item(), codes=int(idx.unique().numel()))
        elif stage == "control":
            lq, gt = batch[0].to(dev), batch[1].to(dev)
            loss = F.l1_loss(model(lq), gt)
            logs["l1"] = loss.item()
        elif stage == "distill":
            lq = batch[0].to(dev)
            seg = parse_probs(parser, lq)
            w = torch.rand(lq.shape[0], device=dev)
            with torch.no_grad():
                target = two_band_target(teacher, lq, seg, w, cfg["distill"]["sigma"])
            out = model(lq, seg, w)
            low, high = band_l1(out, target, cfg["distill"]["sigma"])
            loss = low + lw.get("high", 1.0) * high
            logs.update(l1_low=low.item(), l1_high=high.item())
            if lw.get("lpips"):
                # L1 alone first shrinks texture the student has not yet lined up with the teacher's (session 32:
                # NIQE +0.15 after 100 iterations); a perceptual term against the same target asks for its amount
                # (v36 with it stayed at the teacher's default instead: models/restorer.md).
                lp = lpips(*same_crop(out, target, tc.get("lpips_crop", 0), rng)).mean()
                loss = loss + lw["lpips"] * lp
                logs["lpips"] = lp.item()
        else:
            lq, gt = batch[0].to(dev), batch[1].to(dev)
            seg = parse_probs(parser, lq)
            w = torch.rand(lq.shape[0], device=dev)
            out = model(lq, seg, w)
            o = at_gt_size(out, gt)
            # by_fidelity: {"l1": [at w=0, at w=1], "lpips": [...], "adv": [...]} per-face loss weights, linear in
            # w, or piecewise linear through more points ("adv" scales the adversarial, ROI and style terms).
            # Different optima at w = 0 and w = 1 are what teach the fidelity input a meaning: with the same loss for
            # every w the network learned to ignore it.
            fw = {k: fidelity_weight(points, w) for k, points in lw.get("by_fidelity", {}).items()}
            if lw.get("band_sigma"):
                # band_sigma: L1 split into a low band (weights "l1_low") and a high band (weights "l1").
                l1_low, l1 = band_l1(o, gt, lw["band_sigma"], fw.get("l1_low"), fw.get("l1"))
                logs["l1_low"] = l1_low.item()
                l1 = l1 + l1_low
            else:
                l1 = per_sample((o - gt).abs(), fw.get("l1"))
            # perceptual_high_band: the perceptual and adversarial terms see the output's high band only
            # (losses.high_band_view); L1, SSIM and identity still see the output itself.
            pv = perceptual_view(o, gt) if perceptual_view else o
            lp = per_sample(lpips(*same_crop(pv, gt, tc.get("lpips_crop", 0), rng)), fw.get("lpips"))
            loss = lw["pix"] * (l1 + lp)
            logs.update(l1=l1.item(), lpips=lp.item())
            if teacher is not None:
                with torch.no_grad():
                    t = at_gt_size(teacher(lq, seg, torch.full_like(w, teacher_w)), gt)
                # The low band of band_l1 against the teacher's output instead of the ground truth.
                tl, _ = band_l1(o, t, lw["band_sigma"], fw["teacher"])
                loss = loss + lw["pix"] * tl
                logs["teacher"] = tl.item()
            if lw.get("roi_lpips"):
                rl = roi_lpips(lpips, pv, gt, fw.get("lpips"))
                loss = loss + lw["pix"] * lw["roi_lpips"] * rl
                logs["roi_lpips"] = rl.item()
            if lw.get("ssim"):
                # Structure term (1 - SSIM, as the metric): the prior's drawn detail that does not line up with the
                # ground truth is what cost v9 its SSIM; weighted per face by w, like L1.
                ss = ssim_loss(o, gt, fw.get("ssim"))
                loss = loss + lw["ssim"] * ss
                logs["ssim"] = ss.item()
            if lw.get("detail"):
                # Detail-energy matching (losses.detail_loss): the amount of fine detail, not its phase.
                dl = detail_loss(pv, gt, fw.get("detail"))
                loss = loss + lw["detail"] * dl
                logs["detail"] = dl.item()
            if lw.get("mscn"):
                # Naturalness-statistics matching (losses.mscn_loss): the ground truth's local MSCN statistics, the
                # quantities NIQE is built on, cell by cell; train.mscn_cell pixels of a 512 face (default 32).
                ml = mscn_loss(pv, gt, fw.get("mscn"), max(1, tc.get("mscn_cell", 32) * gt.shape[-1] // 512))
                loss = loss + lw["mscn"] * ml
                logs["mscn"] = ml.item()
            if lw.get("texture_gram"):
                # EnhanceNet's texture loss on the pretrained SqueezeNet's first three layers (losses.texture_gram_loss),
                # on the perceptual view, in cells of train.texture_gram_cell pixels of a 512 face (default 32).
                a, b = same_crop(pv, gt, tc.get("lpips_crop", 0), rng)
                cell = tc.get("texture_gram_cell", 32) * gt.shape[-1] // 512
                tg = texture_gram_loss(lpips.raw_features(a, 3), lpips.raw_features(b, 3), [max(1, cell // s) for s in (2, 4, 8)],
                                       fw.get("texture_gram"))
                loss = loss + lw["texture_gram"] * tg
                logs["texture_gram"] = tg.item()
            if ident is not None:
                with torch.no_grad():
                    id_gt = ident(gt)
                idl = (1 - (ident(o) * id_gt).sum(1)).mean()
                loss = loss + lw["identity"] * idl
                logs["id"] = idl.item()
            gan_on = source == "full" and progress() >= tc.get("gan_start", 0.0)
            if gan_on and not state.get("gan_started"):
                # The reconstruction-only model, kept: it is the fallback if the adversarial phase hurts.
                state["gan_started"] = state["iter"]
                if is_main(rt):
                    save_checkpoint(run_dir / "pre-gan.pt", model=unwrap(model).state_dict(), state=state, config=cfg)
            if gan_on:
                # The adversarial terms reach the paper's weights over a ramp instead of hitting an untrained
                # discriminator at full strength (what produced texture artifacts in the first run).
                ramp = min(1.0, (progress() - tc.get("gan_start", 0.0)) / tc["gan_ramp"]) if tc.get("gan_ramp") else 1.0
                aw = fw.get("adv")
                # The critics frozen, and called unwrapped: their gradients are not wanted here, and a DDP module whose
                # parameters take no gradient in a backward pass leaves its reducer waiting.
                for d in discs.values():
                    d.requires_grad_(False)
                fake_g, _ = discs["global"](F.avg_pool2d(pv, 2))
                adv = g_adv(fake_g, aw)
                style = 0.0
                tex = 0.0
                extra = views_for(seg)
                # The ROI critics (eye, mouth and the optional region ones): an adversarial term each, and the Gram
                # style loss on their features against the same crops of the ground truth.
                rois = [("eye", eye_crops), ("mouth", mouth_crops)] + [(r, extra[r]) for r in REGION_CRITICS if r in discs]
                roi_adv = {}
                for key, crops in rois:
                    lf, ff = discs[key](crops(pv))
                    _, fr = discs[key](crops(gt))
                    roi_adv[key] = g_adv(lf, aw)
                    style = style + gram_loss(ff, fr, aw)
                roi = roi_adv["eye"] + roi_adv["mouth"]
                regions = 0.0
                for r in REGION_CRITICS:
                    if r in discs:
                        logs[r] = roi_adv[r].item()
                        regions = regions + lw[f"{r}_roi"] * roi_adv[r]
                if "texture" in discs:
                    tex = g_adv(discs["texture"](extra["texture"](pv))[0], aw)
                    logs["texture"] = tex.item()
                loss = loss + ramp * (lw["adv"] * adv + lw["roi"] * roi + lw["style"] * style + lw.get("texture", 0) * tex
                                      + regions)
                logs.update(adv=adv.item(), roi=float(roi), style=float(style), ramp=ramp)
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        if stage == "restore" and gan_on and opt_d:
            logs["d"] = discriminator_step(ddp_discs, opt_d, gt, pv.detach(), extra, each=logs)
        now = time.time()
        state["elapsed"] = main_value(state["elapsed"] + now - t_last, rt)
        t_last = now
        state["iter"] += 1
        if state["iter"] % 10 == 0 or state["iter"] <= 3:
            log.log(iter=state["iter"], src=source, loss=round(loss.item(), 4), lr=round(lr, 6),
                    s_it=round(state["elapsed"] / state["iter"], 2), **{k: round(v, 4) for k, v in logs.items()})
        if state["iter"] % tc["ckpt_every"] == 0:
            checkpoint()
        if tc.get("snapshot_every") and state["iter"] % tc["snapshot_every"] == 0 and is_main(rt):
            # Weights only, to compare points of a run on the validation set afterwards.
            save_checkpoint(run_dir / f"iter-{state['iter']}.pt", model=unwrap(model).state_dict(), state=state, config=cfg)
        if val and state["iter"] % tc["eval_every"] == 0:
            log.log(event="eval", iter=state["iter"], **evaluate(unwrap(model), parser, lpips, val, dev, ident))
            t_last = time.time()
    checkpoint()
    log.log(event="done", **state, **rank_agreement([net, *discs.values()], rt))
    finish_runtime(rt)


@torch.no_grad()
def evaluate(net, parser, lpips, pairs, dev, ident=None, fidelity=0.5):
    """PSNR, SSIM and LPIPS (and IDD, 1 - cosine of identity embeddings, when the run has the identity model) on a
    fixed degraded set, at w = 0.5; only for following a run: the model card's numbers come from the SDK's metrics."""
    net.eval()
    rows = {"psnr": [], "ssim": [], "ssim_input": [], "lpips": [], "lpips_input": [], "idd": [], "idd_input": []}
    for lq, gt in pairs:
        x, y = to_tensor(lq)[None].to(dev), to_tensor(gt)[None].to(dev)
        out = net(x, parse_probs(parser, x), torch.tensor([fidelity], device=dev)).clamp(-1, 1)
        a = ((out + 1) * 127.5).round()
        b = (y + 1) * 127.5
        rows["psnr"].append(float(10 * torch.log10(255 ** 2 / F.mse_loss(a, b))))
        rows["ssim"].append(float(ssim_map(out, y).mean()))
        rows["ssim_input"].append(float(ssim_map(x, y).mean()))
        rows["lpips"].append(float(lpips(out, y)))
        rows["lpips_input"].append(float(lpips(x, y)))
        if ident is not None:
            e_out, e_in, e_gt = ident(torch.cat([out, x, y]))
            rows["idd"].append(float(1 - (e_out * e_gt).sum()))
            rows["idd_input"].append(float(1 - (e_in * e_gt).sum()))
    return {k: round(float(np.mean(v)), 4) for k, v in rows.items() if v}


if __name__ == "__main__":
    main()
