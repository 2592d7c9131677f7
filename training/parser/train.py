"""Train the face parser.  python3 -m training.parser.train --config training/configs/parser.json [--run-dir DIR]

Resumes from RUN_DIR/last.pt when it exists; the time budget in the config counts across resumes. Runs under
torchrun for several GPUs/processes (DDP)."""
import argparse
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler

from ..common.faces import parser_split
from ..common.paths import REPO
from ..common.train_utils import (Logger, is_main, load_checkpoint, load_config, main_value, save_checkpoint, setup_runtime,
                                  finish_runtime, rank_agreement)
from .data import ParsingDataset
from .metrics import evaluate
from .model import NUM_CLASSES, ParserNet, widen_checkpoint


class TrainingView(torch.nn.Module):
    """ParserNet's training outputs, (logits at 256, auxiliary logits at 64), as a module's forward."""

    def __init__(self, net: ParserNet):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net.forward_logits(x)


def dice_loss(logits, target):
    probs = torch.softmax(logits, 1)
    onehot = F.one_hot(target, NUM_CLASSES).permute(0, 3, 1, 2).float()
    inter = (probs * onehot).sum((0, 2, 3))
    denom = probs.sum((0, 2, 3)) + onehot.sum((0, 2, 3))
    present = onehot.sum((0, 2, 3)) > 0
    dice = 1 - (2 * inter + 1) / (denom + 1)
    return dice[present].mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=str(REPO / "training/configs/parser.json"))
    ap.add_argument("--run-dir", default=None)
    ap.add_argument("--set", nargs="*", default=[], help="overrides like train.minutes=10")
    args = ap.parse_args()
    cfg = load_config(args.config, args.set)
    tc = cfg["train"]
    rt = setup_runtime(tc["threads"])
    run_dir = Path(args.run_dir or REPO / "training/runs" / cfg["name"])
    log = Logger(run_dir, is_main(rt))
    torch.manual_seed(tc["seed"] + rt["rank"])

    train_pairs, val_pairs = parser_split()
    if "train_limit" in tc:
        train_pairs = train_pairs[: tc["train_limit"]]
    ds = ParsingDataset(train_pairs, augment=True, seed=tc["seed"], crop=tc.get("crop", 512),
                        fix_sides=tc.get("fix_sides", False))
    sampler = DistributedSampler(ds) if rt["world"] > 1 else None
    loader = DataLoader(ds, batch_size=tc["batch"], shuffle=sampler is None, sampler=sampler, drop_last=True,
                        num_workers=tc["workers"], persistent_workers=tc["workers"] > 0)
    val = None
    if is_main(rt) and tc["eval_every"] < 10**6:
        vds = ParsingDataset(val_pairs, augment=False)  # labels as given, comparable across runs
        val = (vds.images, vds.labels)

    net = ParserNet(**cfg["model"]).to(rt["device"])
    opt = torch.optim.AdamW(net.parameters(), lr=tc["lr"], weight_decay=tc["weight_decay"])
    state = {"iter": 0, "elapsed": 0.0, "epoch": 0, "best": -1.0}
    ck = load_checkpoint(run_dir / "last.pt")
    if ck:
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log.log(event="resume", **state)
    elif tc.get("init_checkpoint"):
        # A new run (fresh optimiser and schedule) that starts from an earlier parser's weights, widened if the
        # architecture grew (model.widen_checkpoint).
        init = torch.load(REPO / tc["init_checkpoint"], map_location="cpu")
        net.load_state_dict(widen_checkpoint(init["model"], net))
        log.log(event="init", checkpoint=tc["init_checkpoint"], iter=init["state"]["iter"])
    # DDP syncs gradients only for what runs through its own forward: it wraps the training view (logits and the
    # auxiliary head), not ParserNet.forward (logits only, the export's).
    model = DDP(TrainingView(net)) if rt["world"] > 1 else TrainingView(net)
    budget = tc["minutes"] * 60
    # Small classes (eyes, brows, ears, mouth) are a few hundred pixels each: weighting their cross-entropy keeps
    # the large skin and hair areas from dominating what the network optimises.
    class_weight = None
    if tc.get("class_weight"):
        class_weight = torch.ones(NUM_CLASSES, device=rt["device"])
        for k, v in tc["class_weight"].items():
            class_weight[int(k)] = float(v)

    def progress():
        return min(1.0, max(state["iter"] / tc["max_iters"], state["elapsed"] / budget))

    def checkpoint(name="last.pt"):
        if is_main(rt):
            save_checkpoint(run_dir / name, model=net.state_dict(), opt=opt.state_dict(), state=state,
                            config=cfg)

    t_last = time.time()
    done = progress() >= 1.0
    while not done:
        ds.epoch = state["epoch"]
        if sampler:
            sampler.set_epoch(state["epoch"])
        for x, y in loader:
            model.train()
            lr = tc["lr"] * 0.5 * (1 + math.cos(math.pi * progress()))
            for g in opt.param_groups:
                g["lr"] = lr
            x, y = x.to(rt["device"]), y.to(rt["device"])
            logits, aux = model(x)
            y_half = y[:, ::2, ::2]
            aux_up = F.interpolate(aux, size=y_half.shape[-2:], mode="bilinear", align_corners=False)
            if tc.get("full_res_loss"):
                # Cross-entropy on the logits upsampled to the labels' resolution, as they are used (ParserExport):
                # on nearest-subsampled labels at 1/2 resolution a one-pixel boundary error is invisible, and eyes
                # are mostly boundary. Dice stays at 1/2 resolution (a region term; at 512 it doubled the step time).
                full = F.interpolate(logits, size=y.shape[-2:], mode="bilinear", align_corners=False)
                loss_ce = F.cross_entropy(full, y, weight=class_weight)
            else:
                loss_ce = F.cross_entropy(logits, y_half, weight=class_weight)
            loss = (loss_ce + tc["dice_weight"] * dice_loss(logits, y_half)
                    + tc["aux_weight"] * F.cross_entropy(aux_up, y_half))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            now = time.time()
            state["elapsed"] = main_value(state["elapsed"] + now - t_last, rt)  # one clock: ranks stop together
            t_last = now
            state["iter"] += 1
            if state["iter"] % 20 == 0 or state["iter"] <= 3:
                log.log(iter=state["iter"], loss=round(loss.item(), 4), ce=round(loss_ce.item(), 4), lr=round(lr, 6),
                        it_s=round(state["iter"] / max(state["elapsed"], 1e-6), 3))
            if state["iter"] % tc["ckpt_every"] == 0:
                checkpoint()
            if val and state["iter"] % tc["eval_every"] == 0:
                r = evaluate(net, val[0][:40], val[1][:40], degraded=True)
                log.log(event="eval", iter=state["iter"], facial_miou_degraded_40=round(r["facial_miou"], 4),
                        eyes=round(r["eyes_iou"], 4))
                t_last = time.time()  # evaluation time is not training time
            if progress() >= 1.0:
                done = True
                break
        state["epoch"] += 1
    checkpoint()
    log.log(event="done", **state, **rank_agreement([net], rt))
    finish_runtime(rt)


if __name__ == "__main__":
    main()
