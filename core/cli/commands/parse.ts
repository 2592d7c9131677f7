/** `sade parse INPUT -o LABELS.png`: the parser's label map (pixel value = class index) and a coloured preview. */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import sharp from "sharp";
import { applyAffine, type Affine } from "../../face/affine.js";
import { alignmentFor } from "../../face/detect.js";
import { cropBounds } from "../../face/paste.js";
import { CROP_SIZE } from "../../face/template.js";
import type { Image } from "../../image/types.js";
import { warpImage } from "../../image/warp.js";
import { decodeImage } from "../../io/decode.js";
import { encodeGreyPng, writeFileAtomic } from "../../io/encode.js";
import { CLASS_COLOURS, CLASS_NAMES, parseFace } from "../../parse/parse.js";
import { detectFaces } from "../../pipeline.js";
import type { Point } from "../../face/affine.js";
import { type Backend, checkModelFiles, createEngine, modelsDirFrom } from "../engine.js";

/** 8-bit RGB of an image (for previews). */
function rgb8(image: Image): Uint8Array {
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const s = image.bitDepth === 16 ? 255 / 65535 : 1;
  for (let i = 0; i < n; i++) {
    const j = i * image.channels;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(image.data[image.channels >= 3 ? j + c : j] * s);
  }
  return out;
}

/** Labels over the photo: each face's 512 map brought back (nearest), background never overwriting a face. */
export function labelsToImage(width: number, height: number, faces: { labels: Uint8Array; toCrop: Affine }[]): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const f of faces) {
    const b = cropBounds(f.toCrop, CROP_SIZE, width, height);
    if (!b) continue;
    for (let y = b.y0; y < b.y1; y++) {
      for (let x = b.x0; x < b.x1; x++) {
        const [u, v] = applyAffine(f.toCrop, [x, y]);
        const iu = Math.round(u), iv = Math.round(v);
        if (iu < 0 || iv < 0 || iu >= CROP_SIZE || iv >= CROP_SIZE) continue;
        const l = f.labels[iv * CROP_SIZE + iu];
        if (l) out[y * width + x] = l;
      }
    }
  }
  return out;
}

export function registerParse(program: Command): void {
  program
    .command("parse")
    .description("face parsing: 19-class label map of every face (pixel value = class index) and a coloured preview")
    .argument("<INPUT>", "photo, or with --aligned a face aligned to the FFHQ template")
    .requiredOption("-o, --output <LABELS>", "label map PNG (8-bit grey, value = class index)")
    .option("--aligned", "the input is an aligned face: labels at 512x512 for the crop")
    .option("--preview <FILE>", "colourised labels blended over the image (PNG)")
    .option("--backend <B>", "node or wasm", "node")
    .option("--models <DIR>", "models folder with models.json")
    .addHelpText("after", `\nClasses: ${CLASS_NAMES.map((n, i) => `${i} ${n}`).join(", ")}.`)
    .action(async (input: string, o: { output: string; aligned?: boolean; preview?: string; backend: Backend; models?: string }) => {
      const modelsDir = modelsDirFrom(o.models);
      checkModelFiles(modelsDir, o.aligned ? ["parser"] : ["detector", "landmarks", "parser"]);
      const image = await decodeImage(input);
      const engine = createEngine(o.backend, modelsDir);
      try {
        let labels: Uint8Array, width: number, height: number, base: Uint8Array;
        if (o.aligned) {
          if (image.width !== image.height) throw new Error(`${input}: an aligned face must be square, got ${image.width}x${image.height}`);
          const s = CROP_SIZE / image.width;
          const crop = warpImage(image, [s, 0, 0.5 * s - 0.5, 0, s, 0.5 * s - 0.5], CROP_SIZE, CROP_SIZE);
          labels = (await parseFace(crop, engine)).labels;
          width = height = CROP_SIZE;
          base = new Uint8Array(CROP_SIZE * CROP_SIZE * 3);
          const n = CROP_SIZE * CROP_SIZE;
          for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) base[i * 3 + c] = Math.round(crop.data[c * n + i]);
          console.log(`${input}: parsed the aligned face`);
        } else {
          const faces = await detectFaces(image, engine);
          const parsed = [];
          for (const f of faces) {
            const toCrop = alignmentFor(f.landmarks as Point[]);
            const crop = warpImage(image, toCrop, CROP_SIZE, CROP_SIZE, { border: "replicate" });
            parsed.push({ labels: (await parseFace(crop, engine)).labels, toCrop });
          }
          ({ width, height } = image);
          labels = labelsToImage(width, height, parsed);
          base = rgb8(image);
          console.log(faces.length ? `${input}: parsed ${faces.length} face(s)` : `${input}: no face found`);
        }
        mkdirSync(path.dirname(path.resolve(o.output)), { recursive: true });
        writeFileAtomic(o.output, await encodeGreyPng(labels, width, height));
        if (o.preview) {
          for (let i = 0; i < labels.length; i++) {
            if (!labels[i]) continue;
            const c = CLASS_COLOURS[labels[i]];
            for (let k = 0; k < 3; k++) base[i * 3 + k] = Math.round(base[i * 3 + k] * 0.45 + c[k] * 0.55);
          }
          mkdirSync(path.dirname(path.resolve(o.preview)), { recursive: true });
          writeFileAtomic(o.preview, await sharp(base, { raw: { width, height, channels: 3 } }).png().toBuffer());
        }
      } finally {
        await engine.release();
      }
    });
}
