/**
 * Measures CANONICAL_BOX_512 (core/face/detect.ts): the mean box fr_detect returns for faces aligned to the FFHQ
 * 512 template, on CelebA-HQ aligned faces. Run: npx tsx scripts/calibrate-detector.ts [N]
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { DETECTOR_HEIGHT, DETECTOR_WIDTH, runDetector } from "../core/face/detect.js";
import { decodeImage } from "../core/io/decode.js";
import { warpImage } from "../core/image/warp.js";
import { createNodeEngine } from "../core/models/node-engine.js";
import { locateData } from "../core/io/data.js";

const dir = path.join(locateData(), "celebahq-512/val/images");
const files = readdirSync(dir).filter((f) => f.endsWith(".jpg")).sort().slice(0, Number(process.argv[2] ?? 100));
const engine = createNodeEngine();
const s = DETECTOR_HEIGHT / 512;
const acc = [0, 0, 0, 0];
let n = 0;
for (const f of files) {
  const img = await decodeImage(path.join(dir, f));
  const tile = warpImage(img, [s, 0, (DETECTOR_WIDTH - 512 * s) / 2, 0, s, 0], DETECTOR_WIDTH, DETECTOR_HEIGHT, {
    border: { constant: [127, 127, 127] },
  });
  const dets = await runDetector(engine, tile, 0.7);
  if (!dets.length) continue;
  const b = dets[0].box;
  acc[0] += (b[0] - (DETECTOR_WIDTH - 512 * s) / 2) / s; acc[1] += b[1] / s;
  acc[2] += (b[2] - (DETECTOR_WIDTH - 512 * s) / 2) / s; acc[3] += b[3] / s;
  n++;
}
console.log(`faces ${n}/${files.length}; mean box in template coordinates:`, acc.map((v) => +(v / n).toFixed(1)));
await engine.release();
