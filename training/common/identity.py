"""The 512-D identity model of npm faceplugin-face-recognition-js (fr_feature.onnx), ported to a frozen PyTorch
module at training time so the identity loss can back-propagate through it. Nothing is downloaded: the ONNX file
comes from node_modules. The graph uses only Conv, PRelu, Add and Reshape, so a small interpreter is enough.

Input convention (shared with core/metrics IDD): RGB face warped to the ArcFace 112 template, (x - 127.5) / 128.
"""
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

from .paths import identity_onnx

# FFHQ 512 template and the ArcFace 112 template (insightface), both as (x, y) in image order.
FFHQ_512 = np.array([[192.98138, 239.94708], [318.90277, 240.1936], [256.63416, 314.01935],
                     [201.26117, 371.41043], [313.08905, 371.15118]], np.float64)
ARCFACE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]], np.float64)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares 4-DoF similarity (Umeyama without reflection) mapping src points onto dst: 2x3."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    a = (s[:, 0] * d[:, 0] + s[:, 1] * d[:, 1]).sum()
    b = (s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum()
    n = (s ** 2).sum()
    c, si = a / n, b / n
    m = np.array([[c, -si, 0.0], [si, c, 0.0]])
    m[:, 2] = mu_d - m[:, :2] @ mu_s
    return m


class OnnxConvNet(nn.Module):
    def __init__(self, path: Path):
        super().__init__()
        model = onnx.load(str(path))
        self.nodes = []
        self.consts = {}
        for i, init in enumerate(model.graph.initializer):
            name = f"p{i}"
            self.register_buffer(name, torch.from_numpy(numpy_helper.to_array(init).copy()))
            self.consts[init.name] = name
        for n in model.graph.node:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            if n.op_type not in ("Conv", "PRelu", "Add", "Reshape"):
                raise ValueError(f"{path}: unsupported op {n.op_type}")
            self.nodes.append((n.op_type, list(n.input), list(n.output), attrs))
        self.input_name = model.graph.input[0].name
        self.output_name = model.graph.output[0].name

    def _get(self, env, name):
        return getattr(self, self.consts[name]) if name in self.consts else env[name]

    def forward(self, x):
        env = {self.input_name: x}
        for op, ins, outs, a in self.nodes:
            v = [self._get(env, i) for i in ins if i]
            if op == "Conv":
                pads = a.get("pads", [0, 0, 0, 0])
                y = F.conv2d(v[0], v[1], v[2] if len(v) > 2 else None, a.get("strides", [1, 1]),
                             (pads[0], pads[1]), a.get("dilations", [1, 1]), a.get("group", 1))
            elif op == "PRelu":
                y = torch.where(v[0] >= 0, v[0], v[0] * v[1])
            elif op == "Add":
                y = v[0] + v[1]
            else:
                y = v[0].reshape(v[0].shape[0], -1)
            env[outs[0]] = y
        return env[self.output_name]


class IdentityEmbedder(nn.Module):
    """[-1,1] RGB faces aligned to the FFHQ 512 template (any size, square) -> unit 512-D embeddings."""

    def __init__(self, path: Path | None = None):
        super().__init__()
        self.net = OnnxConvNet(path or identity_onnx())
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def warp(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-1]
        m = similarity(FFHQ_512 * size / 512, ARCFACE_112)  # face pixels -> 112 pixels
        full = np.vstack([m, [0, 0, 1]])
        inv = np.linalg.inv(full)[:2]  # 112 pixels -> face pixels
        # affine_grid works in normalised coordinates (align_corners=False): pixel centres at (i + 0.5).
        to_norm_in = np.array([[2 / size, 0, 1 / size - 1], [0, 2 / size, 1 / size - 1], [0, 0, 1]])
        from_norm_out = np.array([[112 / 2, 0, 112 / 2 - 0.5], [0, 112 / 2, 112 / 2 - 0.5], [0, 0, 1]])
        theta = (to_norm_in @ np.vstack([inv, [0, 0, 1]]) @ from_norm_out)[:2]
        theta = torch.tensor(theta, dtype=x.dtype, device=x.device).expand(x.shape[0], 2, 3)
        grid = F.affine_grid(theta, (x.shape[0], 3, 112, 112), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        face = self.warp(x)
        face = ((face + 1) * 127.5 - 127.5) / 128.0
        return F.normalize(self.net(face), dim=1)
