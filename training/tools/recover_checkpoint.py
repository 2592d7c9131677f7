"""Rebuild a training checkpoint from a shipped ONNX model, so that training can go on from what models/ holds.

  /usr/bin/python3 -m training.tools.recover_checkpoint --model restorer --config training/configs/restorer-v9.json \
      [--onnx models/restorer.onnx] --out training/runs/restorer-v9/recovered.pt
  /usr/bin/python3 -m training.tools.recover_checkpoint --model parser --config training/configs/parser-v4.json \
      [--onnx models/parser.onnx] --out training/runs/parser-v4/recovered.pt

Why: training/runs/ is not committed and machines are not kept, so a checkpoint trained on a lent GPU is gone with
the machine unless it is rebuilt from the ONNX file that shipped. The export renames or folds some weights: the
restorer's GroupNorm affines become Mul/Add constants, the attention in-projections and feed-forward weights are
transposed (and k/v concatenated), and the parser's batch norms are folded into its convolutions. Which source
parameter each ONNX constant came from is not guessed: the same network with every parameter set to distinct
random values is exported once, and each of its constants is matched to the parameter (and the reshape, transpose,
row slice or per-channel scale) it equals. The shipped file's constants are then mapped back the same way.

The result is checked by exporting it again: every constant of the re-export must equal the shipped file's, and
the graphs must have the same operators, or the tool fails. Optimiser state and the restorer's discriminators are
not in an ONNX file: a recovered checkpoint can start a run (init_checkpoint, parser_checkpoint), not resume one.
"""
import argparse
import io
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from ..common.onnx_export import to_onnx
from ..common.paths import REPO


def _export(module: torch.nn.Module, example: tuple) -> onnx.ModelProto:
    buf = io.BytesIO()
    to_onnx(module, example, buf)
    return onnx.load_from_string(buf.getvalue())


def _constants(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def _candidates(p: np.ndarray):
    """(rows, transposed, view of p) for what an exported constant may be: p itself reshaped, its transpose, or a
    block of its rows, transposed or not (an attention in-projection split into q and k/v); rows None = all."""
    blocks = [(None, p)]
    if p.ndim in (1, 2) and p.shape[0] % 3 == 0:
        d = p.shape[0] // 3
        blocks += [((a, b), p[a:b]) for a, b in ((0, d), (d, 3 * d))]
    for rows, block in blocks:
        yield rows, False, block.reshape(-1)
        if block.ndim == 2:
            yield rows, True, block.T.reshape(-1)


def _match(const: np.ndarray, params: dict[str, np.ndarray]):
    """(key, rows, transposed, folded) of the parameter that const was exported from; folded: a conv weight
    scaled per output channel (a batch norm folded into it)."""
    for key, p in params.items():
        for rows, transposed, view in _candidates(p):
            if view.size == const.size and np.array_equal(view, const.reshape(-1)):
                return key, rows, transposed, False
        if p.ndim == 4 and const.shape == p.shape:
            ratio = const.reshape(p.shape[0], -1) / p.reshape(p.shape[0], -1)
            if np.allclose(ratio, ratio[:, :1], rtol=1e-4, atol=0):
                return key, None, False, True
    return None


def _fingerprint(net: torch.nn.Module, seed: int = 0) -> None:
    """Distinct random values in every parameter and batch-norm statistic, so that no two constants coincide."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if t.dtype.is_floating_point:
                v = torch.rand(t.shape, generator=g) * 0.9 + 0.1
                if "running_var" not in name:
                    v = v * torch.where(torch.rand(t.shape, generator=g) < 0.5, -1.0, 1.0)
                t.copy_(v)


def _conv_of_bias(model: onnx.ModelProto) -> dict[str, str]:
    """ONNX bias constant -> the weight constant of the same Conv node."""
    return {n.input[2]: n.input[1] for n in model.graph.node if n.op_type == "Conv" and len(n.input) > 2}


def recover(net: torch.nn.Module, wrap, example: tuple, shipped: onnx.ModelProto, prefix: str) -> dict:
    """The state dict of `net` (with its config's architecture) that exports to `shipped`'s constants."""
    _fingerprint(net)
    probe = _export(wrap(net), example)
    probe_c, ship_c = _constants(probe), _constants(shipped)
    if sorted(probe_c) != sorted(ship_c) or any(probe_c[k].shape != ship_c[k].shape for k in probe_c):
        raise ValueError("the shipped ONNX file was not exported from this architecture (its constants differ from "
                         "a fresh export's): check the config's model section")
    state = {k: v.clone() for k, v in net.state_dict().items()}
    params = {k: v.numpy() for k, v in state.items() if v.dtype.is_floating_point}
    bias_of = _conv_of_bias(probe)
    folded: dict[str, str] = {}  # conv weight key -> its ONNX bias constant
    for name, const in probe_c.items():
        value = torch.from_numpy(ship_c[name].copy())
        key = name[len(prefix):]
        if name.startswith(prefix) and key in params:
            state[key] = value.reshape(state[key].shape)
            continue
        if name in bias_of:
            continue  # a folded conv's bias: set with its weight below
        found = _match(const, params)
        if found is None:
            # Shape constants, or values computed from weights at export (the codebook's norms): verify() checks
            # that the re-export reproduces them.
            continue
        key, rows, transposed, is_folded = found
        region = state[key] if rows is None else state[key][rows[0]:rows[1]]
        region.copy_(value.reshape(region.shape[::-1]).T if transposed else value.reshape(region.shape))
        if is_folded:
            folded[key] = next(b for b, w in bias_of.items() if w == name)
    for conv_key, bias_name in folded.items():
        # conv -> batch norm, exported as one conv with the norm folded in: the conv keeps the folded weight and the
        # norm becomes a shift by the folded bias (mean 0, variance 1 - eps so that the divisor is exactly 1).
        module_path, _, _ = conv_key.rpartition(".")
        bn = _next_batch_norm(net, module_path)
        eps = dict(net.named_modules())[bn].eps
        bias = torch.from_numpy(ship_c[bias_name].copy())
        state[f"{bn}.weight"] = torch.ones_like(bias)
        state[f"{bn}.bias"] = bias
        state[f"{bn}.running_mean"] = torch.zeros_like(bias)
        state[f"{bn}.running_var"] = torch.full_like(bias, 1.0 - eps)
    return state


def _next_batch_norm(net: torch.nn.Module, conv_path: str) -> str:
    """The BatchNorm2d that follows the conv at conv_path in its Sequential (conv -> bn, as conv_bn builds)."""
    parent, _, idx = conv_path.rpartition(".")
    name = f"{parent}.{int(idx) + 1}" if parent else str(int(idx) + 1)
    module = dict(net.named_modules()).get(name)
    if not isinstance(module, torch.nn.BatchNorm2d):
        raise ValueError(f"folded conv {conv_path} is not followed by a batch norm")
    return name


def verify(net: torch.nn.Module, wrap, example: tuple, shipped: onnx.ModelProto) -> float:
    """Largest difference between the re-export's constants and the shipped file's; raises if the graphs differ."""
    again = _export(wrap(net), example)
    ops = lambda m: [n.op_type for n in m.graph.node]
    if ops(again) != ops(shipped):
        raise ValueError("the re-exported graph has other operators than the shipped file")
    a, b = _constants(again), _constants(shipped)
    if sorted(a) != sorted(b):
        raise ValueError("the re-exported graph has other constants than the shipped file")
    worst = 0.0
    for k in a:
        if a[k].dtype.kind == "f":
            worst = max(worst, float(np.abs(a[k].astype(np.float64) - b[k]).max(initial=0.0)))
        elif not np.array_equal(a[k], b[k]):
            raise ValueError(f"re-exported constant {k} differs from the shipped file's")
    return worst


def build(model_id: str, cfg: dict):
    """(network, export wrapper, example inputs, name prefix of its weights in the ONNX file) for a config: what
    the recipe's own export uses."""
    if model_id == "parser":
        from ..parser.export import EXAMPLE
        from ..parser.model import ParserExport, ParserNet
        return ParserNet(**cfg["model"]), ParserExport, EXAMPLE, "net.net."
    from ..restorer.export import EXAMPLE, network
    from ..restorer.model import RestorerExport
    return network(cfg), RestorerExport, EXAMPLE, "net."


def main():
    ap = argparse.ArgumentParser(description="rebuild a training checkpoint from a shipped ONNX model")
    ap.add_argument("--model", choices=["parser", "restorer"], required=True)
    ap.add_argument("--config", required=True, help="the recipe config the model was trained with (its model section)")
    ap.add_argument("--onnx", default=None, help="default: models/<model>.onnx")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = json.loads((REPO / args.config).read_text())
    onnx_path = REPO / (args.onnx or f"models/{args.model}.onnx")
    shipped = onnx.load(str(onnx_path))
    net, wrap, example, prefix = build(args.model, cfg)
    state = recover(net, wrap, example, shipped, prefix)
    net.load_state_dict(state)
    worst = verify(net, wrap, example, shipped)
    if worst > 1e-5:
        raise ValueError(f"{onnx_path}: the recovered weights re-export with constants up to {worst:.2e} away")
    out = REPO / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": net.state_dict(), "config": cfg, "state": {"iter": 0, "recovered_from": str(onnx_path)}},
               out)
    print(json.dumps({"wrote": str(out), "from": str(onnx_path), "max_constant_diff": worst,
                      "parameters": sum(p.numel() for p in net.parameters())}))


if __name__ == "__main__":
    main()
