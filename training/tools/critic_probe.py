"""Can the recipe's patch discriminator learn to tell real faces from a known, visible loss of fine detail, within a
CPU budget? A probe for the adversarial terms, which stayed near chance (loss about 4 x 1.386) through every CPU run.

  /usr/bin/python3 -m training.tools.critic_probe [--highpass 8] [--steps 150] [--lr 4e-4] [--limit 64]

Real: random 128 x 128 windows of celebahq-512/train faces (16 per step). Fake: the same windows cut to half
resolution (area down, bilinear up), which removes the finest band, as our outputs lack it. One PatchDiscriminator
(losses.py, spectral-normalised, as the recipe's) is trained on them with the recipe's loss; prints its loss and
mean logits every 25 steps. Chance is 2 ln 2 = 1.386."""
import argparse
import random

import torch
import torch.nn.functional as F

from ..common.faces import read_rgb
from ..common.paths import data_dir
from ..restorer.data import to_tensor
from ..restorer.losses import PatchDiscriminator, d_adv
from ..restorer.train import same_crop


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--highpass", type=float, default=0.0, help="the texture critic's high-pass gain (0: raw RGB)")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=4e-4)
    ap.add_argument("--limit", type=int, default=64, help="training faces to draw windows from")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = random.Random(0)
    paths = sorted((data_dir() / "celebahq-512" / "train" / "images").glob("*.*"))[: args.limit]
    if not paths:
        raise SystemExit(f"no training faces in {data_dir() / 'celebahq-512' / 'train' / 'images'}")
    faces = [to_tensor(read_rgb(p, 512)) for p in paths]
    window = lambda x: same_crop(x, x, 128, rng)[0]

    d = PatchDiscriminator(highpass=args.highpass)
    opt = torch.optim.Adam(d.parameters(), lr=args.lr, betas=(0.5, 0.99))
    for i in range(args.steps):
        real = torch.stack([window(rng.choice(faces)) for _ in range(16)])
        fake = F.interpolate(F.interpolate(real, scale_factor=0.5, mode="area"), scale_factor=2.0, mode="bilinear",
                             align_corners=False)
        lr_, lf = d(real)[0], d(fake)[0]
        loss = d_adv(lr_, lf)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i % 25 == 0 or i == args.steps - 1:
            print(f"step {i + 1:4d}  loss {loss.item():.3f}  logit real {lr_.mean().item():+.3f}  fake {lf.mean().item():+.3f}")


if __name__ == "__main__":
    main()
