/**
 * A pool of worker threads (comlink over worker_threads), each with its own engine. Jobs go to whichever worker
 * is free; results come back in completion order through onResult and in input order from run().
 */
import { cpus } from "node:os";
import { Worker } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { Job, JobReport } from "./job.js";
import type { WorkerApi, WorkerInit } from "./worker.js";

export interface PoolOptions {
  workers: number;
  backend: "node" | "wasm";
  modelsDir?: string;
  /** onnxruntime-node threads per worker (default: the cores shared among the workers). */
  threads?: number;
}

export async function runPool(jobs: Job[], opts: PoolOptions, onResult?: (r: JobReport, done: number) => void): Promise<JobReport[]> {
  const n = Math.max(1, Math.min(opts.workers, jobs.length));
  const threads = opts.threads ?? Math.max(1, Math.floor(cpus().length / n));
  const workers: Worker[] = [];
  const apis: Comlink.Remote<WorkerApi>[] = [];
  const results: JobReport[] = new Array(jobs.length);
  try {
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL("./worker-entry.mjs", import.meta.url));
      workers.push(w);
      const api = Comlink.wrap<WorkerApi>(nodeEndpoint(w));
      const init: WorkerInit = { backend: opts.backend, modelsDir: opts.modelsDir, threads };
      await api.init(init);
      apis.push(api);
    }
    let next = 0;
    let done = 0;
    await Promise.all(apis.map(async (api) => {
      while (next < jobs.length) {
        const i = next++;
        let r: JobReport;
        try {
          r = await api.run(jobs[i]);
        } catch (e) {
          r = { input: jobs[i].input, faces: [], skipped: [], timings: {}, notes: [], error: `worker failed: ${(e as Error).message}` };
        }
        results[i] = r;
        onResult?.(r, ++done);
      }
    }));
    await Promise.all(apis.map((a) => a.close()));
  } finally {
    for (const a of apis) a[Comlink.releaseProxy]();
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
