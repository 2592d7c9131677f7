"""Where the shared data and weights live: SADE_DATA (the data folder) or ../shared beside the repository."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def shared_root() -> Path:
    data = os.environ.get("SADE_DATA")
    if data:
        return Path(data).resolve().parent
    return (REPO / ".." / "shared").resolve()


def data_dir() -> Path:
    data = os.environ.get("SADE_DATA")
    root = Path(data).resolve() if data else shared_root() / "data"
    if not root.is_dir():
        raise FileNotFoundError(f"shared data not found at {root}: set SADE_DATA to the folder holding celebahq-512/ and ffhq-256/")
    return root


def weights_dir() -> Path:
    return shared_root() / "weights"


def identity_onnx() -> Path:
    return REPO / "node_modules" / "faceplugin-face-recognition-js" / "model" / "fr_feature.onnx"
