"""ONNX export shared by the recipes: opset 17, names and shapes from models/models.json, checked after export."""
import json
from pathlib import Path

import numpy as np
import onnx
import torch

from .paths import REPO

ONNX_TYPES = {1: "float32", 2: "uint8", 7: "int64"}


def contract(model_id: str) -> dict:
    return json.loads((REPO / "models" / "models.json").read_text())["models"][model_id]


def to_onnx(module: torch.nn.Module, example: tuple[torch.Tensor, ...], f, input_names=None, output_names=None):
    """The one torch.onnx.export call of the recipes (opset 17, constant folding): shipped files and the probe
    exports of tools.recover_checkpoint must come out of the same settings to be comparable."""
    module.eval()
    torch.onnx.export(module, example, f, opset_version=17, input_names=input_names, output_names=output_names,
                      do_constant_folding=True)


def export(module: torch.nn.Module, model_id: str, out: Path, example: tuple[torch.Tensor, ...]) -> Path:
    spec = contract(model_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    to_onnx(module, example, str(out), list(spec["inputs"]), list(spec["outputs"]))
    check(out, spec)
    return out


def export_cli(model_id: str, load, wrap, example: tuple[torch.Tensor, ...]) -> None:
    """The command line of training.<model>.export: checkpoint in, contract-checked ONNX out, size and cost printed."""
    import argparse

    ap = argparse.ArgumentParser(description=f"export a {model_id} checkpoint to ONNX (models/models.json contract)")
    ap.add_argument("--checkpoint", default=str(REPO / f"training/runs/{model_id}/last.pt"))
    ap.add_argument("--out", default=str(REPO / "models" / contract(model_id)["file"]))
    args = ap.parse_args()
    net = load(Path(args.checkpoint))
    shipped = wrap(net)
    out = export(shipped, model_id, Path(args.out), example)
    params = sum(p.numel() for p in net.parameters())
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB), {params / 1e6:.3f} M parameters, "
          f"{count_macs(shipped, example):.2f} GMACs per call of the exported graph")


def check(path: Path, spec: dict) -> None:
    """The file obeys the contract: names, element types and static shapes."""
    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    for kind, values in (("inputs", m.graph.input), ("outputs", m.graph.output)):
        got = {v.name: v for v in values}
        for name, s in spec[kind].items():
            if name not in got:
                raise ValueError(f"{path}: {kind[:-1]} '{name}' missing (has {list(got)})")
            tt = got[name].type.tensor_type
            dims = [d.dim_value for d in tt.shape.dim]
            if ONNX_TYPES.get(tt.elem_type) != s["type"] or dims != s["shape"]:
                raise ValueError(f"{path}: {name} is {ONNX_TYPES.get(tt.elem_type)}{dims}, contract says {s['type']}{s['shape']}")


def count_macs(module: torch.nn.Module, example: tuple[torch.Tensor, ...]) -> float:
    """Multiply-accumulates of convolutions, linear layers and attention products, by forward hooks (GMACs)."""
    total = [0]

    def conv_hook(m, inp, out):
        k = m.weight.shape[1] * m.weight.shape[2] * m.weight.shape[3]
        total[0] += out.numel() * k

    def linear_hook(m, inp, out):
        total[0] += out.numel() * m.in_features

    def mha_hook(m, inp, out):
        q, k = inp[0], inp[1]
        n, lq, e = q.shape
        lk = k.shape[1]
        total[0] += n * (3 * lq * e * e + 2 * lq * lk * e + lq * e * e)

    hooks = []
    for m in module.modules():
        if isinstance(m, torch.nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, torch.nn.Linear) and not isinstance(m, torch.nn.modules.linear.NonDynamicallyQuantizableLinear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, torch.nn.MultiheadAttention):
            hooks.append(m.register_forward_hook(mha_hook))
    with torch.no_grad():
        module(*example)
    for h in hooks:
        h.remove()
    return total[0] / 1e9


def onnx_run(path: Path, feeds: dict) -> list[np.ndarray]:
    import onnxruntime  # optional: only for local checks, not needed by CI
    sess = onnxruntime.InferenceSession(str(path))
    return sess.run(None, feeds)
