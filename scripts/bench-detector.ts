/**
 * Detector benchmark: recall and five-point landmark error of the shipped detector (core/face/detect.ts) against
 * YuNet (../shared/weights/yunet, reference only) on ../shared/data/wild.
 *
 *   npx tsx scripts/bench-detector.ts [--sets lfw-dev,whole,selfies] [--limit N] [--backend node|wasm] [--json FILE]
 *
 * A YuNet face (score >= 0.8) counts as found when one of our faces has its five points within half an eye
 * distance of YuNet's on average; the landmark error is that mean distance divided by YuNet's eye distance.
 * Our faces that match no YuNet face are counted as "extra" (false positives, or faces YuNet missed).
 */
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { detectFaceList, type DetectedFace } from "../core/face/detect.js";
import { decodeImage } from "../core/io/decode.js";
import { locateData } from "../core/io/data.js";
import type { Engine } from "../core/models/engine.js";
import { createNodeEngine } from "../core/models/node-engine.js";
import { createWebEngineForNode } from "../core/models/web-engine-node.js";
import { Yunet, type YunetFace } from "./yunet.js";

const args = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sets = arg("sets", "lfw-dev,whole,selfies").split(",");
const limit = Number(arg("limit", "100000"));
const backend = arg("backend", "node");
const jsonOut = arg("json", "");
const minSize = Number(arg("min-size", "20"));
const confirm = arg("confirm", "1") === "1";

function matchError(ours: DetectedFace, ref: YunetFace): number {
  const eye = Math.hypot(ref.landmarks[1][0] - ref.landmarks[0][0], ref.landmarks[1][1] - ref.landmarks[0][1]);
  let s = 0;
  for (let k = 0; k < 5; k++) s += Math.hypot(ours.landmarks[k][0] - ref.landmarks[k][0], ours.landmarks[k][1] - ref.landmarks[k][1]);
  return s / 5 / eye;
}

const engine: Engine = backend === "wasm" ? createWebEngineForNode() : createNodeEngine();

// --yunet-agreement: how far YuNet's two variants (s, n) are from each other, the same way: the noise floor of
// the reference itself.
if (args.includes("--yunet-agreement")) {
  const s = await Yunet.load("yunet_s_dynamic.onnx"), n = await Yunet.load("yunet_n_dynamic.onnx");
  for (const set of arg("sets", "lfw-dev").split(",")) {
    const dir = path.join(locateData(), "wild", set);
    let count = 0, sum = 0;
    for (const f of readdirSync(dir).filter((x) => /\.(jpe?g|png)$/i.test(x)).sort().slice(0, limit)) {
      const img = await decodeImage(path.join(dir, f));
      const a = await s.detect(img), b = await n.detect(img);
      for (const r of a) {
        const e = Math.min(...b.map((o) => matchError(o as unknown as DetectedFace, r)));
        if (e < 0.5) { count++; sum += e; }
      }
    }
    console.log(`${set}: yunet_n against yunet_s: ${count} faces matched, landmark error ${(sum / count).toFixed(4)}`);
  }
  process.exit(0);
}
// --reference s (yunet_s), n (yunet_n) or sn: the mean of both variants' points for faces both find (the two
// variants disagree by about 0.1 eye distances on LFW, so one alone is a noisy reference).
const reference = arg("reference", "s");
const yunetS = await Yunet.load("yunet_s_dynamic.onnx");
const yunetN = reference === "s" ? null : await Yunet.load("yunet_n_dynamic.onnx");
async function referenceFaces(img: Parameters<Yunet["detect"]>[0]): Promise<YunetFace[]> {
  if (reference === "n") return yunetN!.detect(img);
  const s = await yunetS.detect(img);
  if (reference === "s") return s;
  const n = await yunetN!.detect(img);
  return s.map((f) => {
    const eye = Math.hypot(f.landmarks[1][0] - f.landmarks[0][0], f.landmarks[1][1] - f.landmarks[0][1]);
    const twin = n.find((g) => g.landmarks.every((p, k) => Math.hypot(p[0] - f.landmarks[k][0], p[1] - f.landmarks[k][1]) < 0.5 * eye));
    if (!twin) return f;
    return { ...f, landmarks: f.landmarks.map((p, k) => [(p[0] + twin.landmarks[k][0]) / 2, (p[1] + twin.landmarks[k][1]) / 2] as [number, number]) };
  });
}
const data = locateData();
const report: Record<string, unknown> = {};
for (const set of sets) {
  const dir = path.join(data, "wild", set);
    const split = arg("split", "all");
  const files = readdirSync(dir).filter((f) => /\.(jpe?g|png|webp|tiff?)$/i.test(f)).sort().slice(0, limit)
    .filter((_, i) => split === "all" || (split === "even") === (i % 2 === 0));
  let refFaces = 0, found = 0, extra = 0, errSum = 0, ms = 0;
  const perPoint = [0, 0, 0, 0, 0];
  const misses: string[] = [];
  const extras: string[] = [];
  for (const f of files) {
    const img = await decodeImage(path.join(dir, f));
    const refs = await referenceFaces(img);
    const t0 = performance.now();
    const ours = await detectFaceList(img, engine, { minSize, confirm, proposalThreshold: Number(arg("proposal", "0.5")), refinePasses: Number(arg("refine", "2")), scoreThreshold: Number(arg("score", "0.9")) });
    ms += performance.now() - t0;
    const used = new Set<number>();
    for (const r of refs) {
      refFaces++;
      let best = -1, bestErr = Infinity;
      ours.forEach((o, i) => {
        if (used.has(i)) return;
        const e = matchError(o, r);
        if (e < bestErr) { bestErr = e; best = i; }
      });
      if (best >= 0 && bestErr < 0.5) {
        used.add(best);
        found++;
        errSum += bestErr;
        const eye = Math.hypot(r.landmarks[1][0] - r.landmarks[0][0], r.landmarks[1][1] - r.landmarks[0][1]);
        for (let k = 0; k < 5; k++) perPoint[k] += Math.hypot(ours[best].landmarks[k][0] - r.landmarks[k][0], ours[best].landmarks[k][1] - r.landmarks[k][1]) / eye;
      } else {
        misses.push(`${f} [${r.box.map(Math.round)}]${best >= 0 ? ` nearest err ${bestErr.toFixed(2)}` : ""}`);
      }
    }
    extra += ours.length - used.size;
    ours.forEach((o, i) => {
      if (!used.has(i)) extras.push(`${f} [${[o.box.x, o.box.y, o.box.x + o.box.width, o.box.y + o.box.height].map(Math.round)}] score ${o.score.toFixed(2)}`);
    });
  }
  const r = {
    images: files.length, yunetFaces: refFaces, found, recall: found / Math.max(1, refFaces),
    landmarkError: errSum / Math.max(1, found),
    perPointError: perPoint.map((v) => +(v / Math.max(1, found)).toFixed(4)),
    extra, msPerImage: ms / files.length, misses, extras,
  };
  report[set] = r;
  console.log(`${set}: images ${r.images}, YuNet faces ${refFaces}, found ${found}, recall ${r.recall.toFixed(4)}, ` +
    `landmark error ${r.landmarkError.toFixed(4)} (per point ${r.perPointError.join(" ")}), extra ${extra}, ` +
    `${r.msPerImage.toFixed(0)} ms/image (${backend}, reference yunet_${reference})`);
  for (const m of misses.slice(0, 12)) console.log(`  missed ${m}`);
  for (const m of extras.slice(0, 12)) console.log(`  extra ${m}`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(report, null, 2));
await engine.release();
await yunetS.release();
await yunetN?.release();
