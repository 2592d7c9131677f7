/**
 * Latency of the shipped parser and restorer on onnxruntime-node (CPU), as recorded in the model cards.
 *   npx tsx scripts/time-models.ts [--threads 2] [--runs 10]
 * Median of N runs after one warm-up, batch 1, inputs of the contract's shapes.
 */
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { cpus } from "node:os";
import * as ort from "onnxruntime-node";

const repo = resolve(import.meta.dirname, "..");
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const threads = arg("threads", 2);
const runs = arg("runs", 10);
const manifest = JSON.parse(readFileSync(join(repo, "models", "models.json"), "utf8")).models;

async function time(id: "parser" | "restorer"): Promise<{ median: number; size: number }> {
  const file = join(repo, "models", manifest[id].file);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, spec] of Object.entries<{ shape: number[] }>(manifest[id].inputs)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = name === "seg" ? 1 / 19 : Math.sin(i * 0.001) * 0.8;
    feeds[name] = new ort.Tensor("float32", data, spec.shape);
  }
  await session.run(feeds);
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] / 1000, size: statSync(file).size / 1e6 };
}

console.log(`${cpus().length} x ${cpus()[0]?.model}, onnxruntime-node, ${threads} threads, median of ${runs}`);
let total = 0;
for (const id of ["parser", "restorer"] as const) {
  const r = await time(id);
  total += r.median;
  console.log(`${id.padEnd(9)} ${r.median.toFixed(3)} s/face  file ${r.size.toFixed(2)} MB`);
}
console.log(`parser + restorer ${total.toFixed(3)} s/face`);
