"""Can a critic of the recipe learn, within a CPU budget, to tell real faces from a known loss of detail, or from a
model's own outputs? A probe for the adversarial terms, which stayed near chance (loss about 1.386 per critic)
through every CPU run.

  /usr/bin/python3 -m training.tools.critic_probe [--highpass 8 | --projected 4] [--steps 150] [--lr 4e-4] [--limit 64]
  /usr/bin/python3 -m training.tools.critic_probe --fakes RESTORED_DIR [--pool 2] [--projected 4] [--steps 150]
  /usr/bin/python3 -m training.tools.critic_probe --fakes RESTORED_DIR --critics RUN_CHECKPOINT

Default: real are random 128 x 128 windows of celebahq-512/train faces (16 per step), fake the same windows cut to
half resolution (area down, bilinear up), which removes the finest band, as our outputs lack it.
--fakes: real are celebahq-512/val faces, fake a model's restorations of them (the `restored` folder of
scripts/eval-checkpoint.sh), shown as the recipe shows them (losses.high_band_view, σ 1: the output's high band
over the true face's low band). --pool 2: whole faces pooled to 256 (the global critic's view), 8 per step; --pool
1: paired 128 windows at 512 (a region critic's view), 16 per step. The first 70 faces train the critic, the rest
are held out: every 25 steps it prints the held-out loss and the share of held-out faces whose real view gets the
higher mean logit. Chance: loss 2 ln 2 = 1.386, share 0.5.

--critics: no training; the global, eye and mouth critics of a training checkpoint (last.pt, the config's
`train.projected` ones rebuilt as projected critics) judge all the faces as the run showed them theirs; prints each
one's loss (chance 1.386) and the share of faces whose real view it scores higher.

One critic (losses.py: PatchDiscriminator, spectral-normalised as the recipe's, or ProjectedDiscriminator) is
trained with the recipe's loss; prints its loss and mean logits every 25 steps."""
import argparse
import random
from pathlib import Path

import torch
import torch.nn.functional as F

from ..common.faces import read_rgb
from ..common.lpips import LPIPSSqueeze
from ..common.paths import data_dir
from ..restorer.data import to_tensor
from ..restorer.losses import PatchDiscriminator, ProjectedDiscriminator, d_adv, high_band_view
from ..restorer.train import critics, make_critic, same_crop


def restored_pairs(folder: Path):
    """(true face, restored face) tensors for every image of `folder` whose name is a celebahq-512/val face."""
    val = {p.stem: p for p in (data_dir() / "celebahq-512" / "val" / "images").iterdir()}
    pairs = [(to_tensor(read_rgb(val[p.stem], 512)), to_tensor(read_rgb(p, 512)))
             for p in sorted(folder.glob("*.png")) if p.stem in val]
    if len(pairs) < 40:
        raise SystemExit(f"{folder}: {len(pairs)} restorations of celebahq-512/val faces, want at least 40")
    return pairs


@torch.no_grad()
def score_critics(checkpoint: Path, fakes: Path | None):
    if fakes is None:
        raise SystemExit("--critics needs --fakes: the restored faces to judge")
    ck = torch.load(checkpoint, map_location="cpu")
    tc = ck["config"]["train"]
    projected = set(tc.get("projected", []))
    backbone = LPIPSSqueeze() if projected else None
    discs = {k: make_critic(k, tc, backbone) for k in ("global", "eye", "mouth")}
    pairs = [(gt[None], high_band_view(out[None], gt[None], 1.0)) for gt, out in restored_pairs(fakes)]
    for key, view in critics(discs):
        d = discs[key]
        d.load_state_dict(ck["discs"][key])
        d.eval()
        scores = [(d(view(r))[0], d(view(f))[0]) for r, f in pairs]
        loss = sum(d_adv(r, f).item() for r, f in scores) / len(scores)
        above = sum(r.mean().item() > f.mean().item() for r, f in scores) / len(scores)
        print(f"{key:7s} {'projected' if key in projected else 'plain':9s}  loss {loss:.3f}  real above fake {above:.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--highpass", type=float, default=0.0, help="the texture critic's high-pass gain (0: raw RGB)")
    ap.add_argument("--projected", type=int, default=0, help="a ProjectedDiscriminator on this many SqueezeNet levels (0: none)")
    ap.add_argument("--fakes", type=Path, help="a folder of restored val faces: judge them against the true ones")
    ap.add_argument("--pool", type=int, default=2, help="with --fakes: 2 judges whole faces at 256, 1 windows at 512")
    ap.add_argument("--critics", type=Path, help="a restorer training checkpoint: score its critics on --fakes, no training")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--limit", type=int, default=64, help="training faces to draw windows from")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = random.Random(0)
    if args.critics:
        return score_critics(args.critics, args.fakes)
    d = ProjectedDiscriminator(LPIPSSqueeze(), args.projected) if args.projected else PatchDiscriminator(highpass=args.highpass)
    opt = torch.optim.Adam(d.parameters(), lr=args.lr, betas=(0.5, 0.99))

    if args.fakes:
        pairs = [(gt, high_band_view(out[None], gt[None], 1.0)[0]) for gt, out in restored_pairs(args.fakes)]
        train, held = pairs[:70], pairs[70:]

        def views(batch):
            real, fake = torch.stack([p[0] for p in batch]), torch.stack([p[1] for p in batch])
            if args.pool > 1:
                return F.avg_pool2d(real, args.pool), F.avg_pool2d(fake, args.pool)
            both = [same_crop(r, f, 128, rng) for r, f in zip(real, fake)]
            return torch.stack([b[0] for b in both]), torch.stack([b[1] for b in both])

        per_step = 8 if args.pool > 1 else 16
        draw = lambda: views([rng.choice(train) for _ in range(per_step)])
    else:
        paths = sorted((data_dir() / "celebahq-512" / "train" / "images").glob("*.*"))[: args.limit]
        if not paths:
            raise SystemExit(f"no training faces in {data_dir() / 'celebahq-512' / 'train' / 'images'}")
        faces = [to_tensor(read_rgb(p, 512)) for p in paths]

        def draw():
            real = torch.stack([same_crop(x, x, 128, rng)[0] for x in (rng.choice(faces) for _ in range(16))])
            return real, F.interpolate(F.interpolate(real, scale_factor=0.5, mode="area"), scale_factor=2.0,
                                       mode="bilinear", align_corners=False)

    for i in range(args.steps):
        real, fake = draw()
        lr_, lf = d(real)[0], d(fake)[0]
        loss = d_adv(lr_, lf)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i % 25 == 0 or i == args.steps - 1:
            line = f"step {i + 1:4d}  loss {loss.item():.3f}  logit real {lr_.mean().item():+.3f}  fake {lf.mean().item():+.3f}"
            if args.fakes:
                with torch.no_grad():
                    rng_state = rng.getstate()
                    scores = [(d(r)[0].mean().item(), d(f)[0].mean().item(), d_adv(d(r)[0], d(f)[0]).item())
                              for r, f in (views([p]) for p in held)]
                    rng.setstate(rng_state)
                line += (f"  held-out loss {sum(s[2] for s in scores) / len(scores):.3f}"
                         f"  real above fake {sum(s[0] > s[1] for s in scores) / len(scores):.2f}")
            print(line, flush=True)


if __name__ == "__main__":
    main()
