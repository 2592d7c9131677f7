"""Seconds per forward and backward pass of a restorer config on this CPU, in float32 or under bfloat16 autocast.

  /usr/bin/python3 -m training.tools.step_speed --config training/configs/restorer-v46.json \
      [--mode fp32|bf16|bf16-cl] [--threads 1] [--batch 2] [--repeat 2]

Random faces, every parameter trainable, one warm-up pass not timed; prints one JSON line. bf16-cl also puts the
network and the input in channels_last, the layout oneDNN's AMX convolutions want. Why: training on 2 CPU cores
is this project's long pole, and CPUs with AMX run bfloat16 convolutions several times faster than float32
(training/README.md, "CPU speed").

Torch 1.13's CPU autocast leaves GroupNorm's and LayerNorm's inputs as they come, and both fail on a bfloat16
tensor with float32 weights; here they are given float32 (only in this measurement, not in model.py).
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

from ..common.paths import REPO
from ..common.train_utils import load_config
from ..restorer.model import Restorer


def _float_norms() -> None:
    def group_norm(self, x):
        return F.group_norm(x if x.dtype == torch.float32 else x.float(), self.num_groups, self.weight, self.bias, self.eps)

    def layer_norm(self, x):
        return F.layer_norm(x if x.dtype == torch.float32 else x.float(), self.normalized_shape, self.weight, self.bias, self.eps)

    torch.nn.GroupNorm.forward = group_norm
    torch.nn.LayerNorm.forward = layer_norm


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--mode", choices=("fp32", "bf16", "bf16-cl"), default="fp32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    cfg = load_config(REPO / args.config)  # an absolute --config stays as it is
    if cfg.get("stage") not in ("restore", "distill"):
        raise SystemExit(f"{args.config}: not a restorer config (stage {cfg.get('stage')!r})")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    bf16 = args.mode != "fp32"
    if bf16:
        _float_norms()
    net = Restorer(**cfg["model"])
    x = torch.rand(args.batch, 3, 512, 512) * 2 - 1
    seg = torch.softmax(torch.randn(args.batch, 19, 128, 128), 1)
    w = torch.rand(args.batch)
    if args.mode == "bf16-cl":
        net = net.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = net(x, seg, w)
        out.float().abs().mean().backward()
        net.zero_grad(set_to_none=True)

    step()
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        step()
    seconds = (time.perf_counter() - t0) / args.repeat
    print(json.dumps({"config": args.config, "mode": args.mode, "threads": args.threads, "batch": args.batch,
                      "seconds_per_step": round(seconds, 3)}))


if __name__ == "__main__":
    main()
