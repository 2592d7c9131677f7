"""What the fidelity input w does to a restorer checkpoint, on validation faces degraded as in training's check.

  /usr/bin/python3 -m training.tools.fidelity_effect --checkpoint training/runs/NAME/last.pt [--faces 12]

Prints, per w in 0, 0.5 and 1: PSNR and LPIPS (SqueezeNet) against the ground truth, and the RMS of the
correction (output - input, 0..255); then the mean absolute difference between the outputs at w = 0 and w = 1 as
a share of the mean absolute correction at w = 0.5. A share near zero means the panel's Fidelity slider does
nothing a retoucher could see."""
import argparse

import torch
import torch.nn.functional as F

from ..common.faces import restoration_val_images
from ..common.lpips import LPIPSSqueeze
from ..common.paths import REPO
from ..restorer.data import degraded_pair_set, to_tensor
from ..restorer.export import from_checkpoint
from ..restorer.train import load_parser, parse_probs


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--faces", type=int, default=12)
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(REPO / args.checkpoint, map_location="cpu")
    net = from_checkpoint(ck)
    parser = load_parser(ck["config"], "cpu")
    lpips = LPIPSSqueeze()
    pairs = degraded_pair_set(restoration_val_images()[: args.faces], seed=2024)
    levels = (0.0, 0.5, 1.0)
    stats = {w: {"psnr": 0.0, "lpips": 0.0, "rms": 0.0} for w in levels}
    between = correction = 0.0
    for lq, gt in pairs:
        x, y = to_tensor(lq)[None], to_tensor(gt)[None]
        seg = parse_probs(parser, x)
        outs = {}
        for w in levels:
            out = net(x, seg, torch.tensor([w])).clamp(-1, 1)
            outs[w] = ((out + 1) * 127.5).round()
            ref = (y + 1) * 127.5
            stats[w]["psnr"] += float(10 * torch.log10(255 ** 2 / F.mse_loss(outs[w], ref))) / len(pairs)
            stats[w]["lpips"] += float(lpips(out, y)) / len(pairs)
            stats[w]["rms"] += float((outs[w] - (x + 1) * 127.5).pow(2).mean().sqrt()) / len(pairs)
        between += float((outs[0.0] - outs[1.0]).abs().mean())
        correction += float((outs[0.5] - (x + 1) * 127.5).abs().mean())
    for w in levels:
        s = stats[w]
        print(f"w={w:.1f}  PSNR {s['psnr']:.3f}  LPIPS {s['lpips']:.4f}  correction RMS {s['rms']:.2f}")
    print(f"|out(0) - out(1)| = {between / len(pairs):.3f} grey levels, {100 * between / correction:.1f}% of the "
          f"mean correction at w = 0.5 ({correction / len(pairs):.3f})")


if __name__ == "__main__":
    main()
