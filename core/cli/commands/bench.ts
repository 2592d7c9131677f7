// `sade bench [--json FILE]`: per-stage time per face, whole-photo time and peak RSS on synthetic photos.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { DEFAULT_BENCH, formatBench, runBench } from "../../bench/bench.js";
import type { Backend } from "../../bench/case.js";
import { sharedRoot } from "../../metrics/assets.js";
import { listImages } from "../../metrics/files.js";

const numbers = (v: string) => {
  const list = v.split(",").map(Number);
  if (list.some((n) => !Number.isFinite(n) || n <= 0)) throw new InvalidArgumentError("expected positive numbers, comma-separated");
  return list;
};
const backends = (v: string): Backend[] => {
  const list = v.split(",").map((s) => s.trim());
  for (const b of list) if (b !== "node" && b !== "wasm") throw new InvalidArgumentError(`unknown backend '${b}' (node, wasm)`);
  return list as Backend[];
};

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("time the pipeline per stage and per photo, with peak memory, on both backends")
    .option("--json <FILE>", "write every case as JSON")
    .option("--mp <LIST>", "photo sizes in megapixels", numbers, DEFAULT_BENCH.megapixels)
    .option("--faces <LIST>", "faces per photo", numbers, DEFAULT_BENCH.faces)
    .option("--backend <LIST>", "node (onnxruntime-node) and/or wasm (onnxruntime-web)", backends, DEFAULT_BENCH.backends)
    .option("--faces-dir <DIR>", "face images to place on the photos", join(sharedRoot(), "data", "celebahq-512", "val", "images"))
    .option("--models <DIR>", "models folder (default: the repository's models/)")
    .option("--threads <N>", "onnxruntime-node threads (default: all cores)", (v) => Number.parseInt(v, 10))
    .action(async (o: { json?: string; mp: number[]; faces: number[]; backend: Backend[]; facesDir: string; models?: string; threads?: number }) => {
      const faceFiles = [...listImages(o.facesDir).values()].slice(0, Math.max(...o.faces));
      const total = o.backend.length * o.mp.length * o.faces.length;
      console.error(`bench: ${total} case(s), each in its own process`);
      const report = await runBench(
        { megapixels: o.mp, faces: o.faces, backends: o.backend, faceFiles, modelsDir: o.models, threads: o.threads },
        (r, done, n) => console.error(`[${done}/${n}] ${r.engine} ${r.megapixels} MP, ${r.facesRestored}/${r.facesPlaced} face(s): ${(r.totalMs / 1000).toFixed(2)} s, ${Math.round(r.peakRssMiB)} MiB`),
      );
      console.log(formatBench(report));
      if (o.json) {
        mkdirSync(dirname(o.json), { recursive: true });
        writeFileSync(o.json, JSON.stringify(report, null, 2) + "\n");
        console.log(`\ncases: ${o.json}`);
      }
    });
}
