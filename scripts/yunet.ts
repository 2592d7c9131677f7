/**
 * YuNet (OpenCV zoo, Apache-2.0) from ../shared/weights/yunet: a reference detector for measuring ours. Never
 * shipped; used by scripts/bench-detector.ts only.
 */
import path from "node:path";
import * as ort from "onnxruntime-node";
import type { Image } from "../core/image/types.js";
import { warpImage } from "../core/image/warp.js";
import { type Box, nms } from "../core/face/nms.js";
import { REPO_ROOT } from "../core/io/data.js";

export interface YunetFace {
  box: Box;
  score: number;
  /** Image order: left eye, right eye, nose tip, left mouth corner, right mouth corner. */
  landmarks: [number, number][];
}

export class Yunet {
  private constructor(private session: ort.InferenceSession) {}

  static async load(variant = "yunet_s_dynamic.onnx"): Promise<Yunet> {
    const dir = process.env.SADE_WEIGHTS ?? path.resolve(REPO_ROOT, "../shared/weights");
    const file = path.join(dir, "yunet", variant);
    return new Yunet(await ort.InferenceSession.create(file, { intraOpNumThreads: 2 }));
  }

  /** Detects faces; the image is scaled so that its long side is at most maxSide (OpenCV FaceDetectorYN decoding). */
  async detect(image: Image, maxSide = 1280, threshold = 0.8): Promise<YunetFace[]> {
    const s = Math.min(1, maxSide / Math.max(image.width, image.height));
    const w = Math.round(image.width * s), h = Math.round(image.height * s);
    const pw = Math.ceil(w / 32) * 32, ph = Math.ceil(h / 32) * 32;
    const p = warpImage(image, [w / image.width, 0, 0, 0, h / image.height, 0], pw, ph, { border: { constant: [0, 0, 0] } });
    // BGR, 0..255, no normalisation.
    const n = pw * ph;
    const input = new Float32Array(3 * n);
    input.set(p.data.subarray(2 * n, 3 * n), 0);
    input.set(p.data.subarray(n, 2 * n), n);
    input.set(p.data.subarray(0, n), 2 * n);
    const out = await this.session.run({ input: new ort.Tensor("float32", input, [1, 3, ph, pw]) });
    const faces: YunetFace[] = [];
    for (const stride of [8, 16, 32]) {
      const cls = out[`cls_${stride}`].data as Float32Array;
      const obj = out[`obj_${stride}`].data as Float32Array;
      const bbox = out[`bbox_${stride}`].data as Float32Array;
      const kps = out[`kps_${stride}`].data as Float32Array;
      const cols = pw / stride, rows = ph / stride;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const score = Math.sqrt(Math.min(1, Math.max(0, cls[i])) * Math.min(1, Math.max(0, obj[i])));
          if (score < threshold) continue;
          const cx = (c + bbox[i * 4]) * stride, cy = (r + bbox[i * 4 + 1]) * stride;
          const bw = Math.exp(bbox[i * 4 + 2]) * stride, bh = Math.exp(bbox[i * 4 + 3]) * stride;
          const sx = image.width / w, sy = image.height / h;
          const lm: [number, number][] = [];
          for (let k = 0; k < 5; k++) lm.push([(kps[i * 10 + 2 * k] + c) * stride * sx, (kps[i * 10 + 2 * k + 1] + r) * stride * sy]);
          faces.push({ score, box: [(cx - bw / 2) * sx, (cy - bh / 2) * sy, (cx + bw / 2) * sx, (cy + bh / 2) * sy], landmarks: lm });
        }
      }
    }
    const keep = nms(faces.map((f) => f.box), faces.map((f) => f.score), 0.3);
    return keep.map((k) => faces[k]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
