import { execFileSync } from "node:child_process";

/** The Python that has PyTorch: SADE_PYTHON, then Debian's /usr/bin/python3 (a pyenv python3 may shadow it on PATH). */
export function torchPython(): string {
  const candidates = [process.env.SADE_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean) as string[];
  for (const py of candidates) {
    try {
      execFileSync(py, ["-c", "import torch, onnx, cv2"], { stdio: "ignore" });
      return py;
    } catch {
      // try the next one
    }
  }
  throw new Error("no python3 with torch, onnx and cv2: apt-get install -y python3-torch python3-torchvision python3-onnx python3-opencv python3-scipy");
}
