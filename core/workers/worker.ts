/** A pool worker: its own engine, one job at a time, exposed over comlink (Node worker_threads). */
import { parentPort } from "node:worker_threads";
import * as Comlink from "comlink";
import nodeEndpoint from "comlink/dist/esm/node-adapter.mjs";
import type { Engine } from "../models/engine.js";
import { createNodeEngine } from "../models/node-engine.js";
import { createWebEngineForNode } from "../models/web-engine-node.js";
import { type Job, type JobReport, runJob } from "./job.js";

export interface WorkerInit {
  backend: "node" | "wasm";
  modelsDir?: string;
  threads?: number;
}

let engine: Engine | undefined;

const api = {
  init(opts: WorkerInit): void {
    engine = opts.backend === "wasm"
      ? createWebEngineForNode({ modelsDir: opts.modelsDir })
      : createNodeEngine({ modelsDir: opts.modelsDir, threads: opts.threads });
  },
  async run(job: Job): Promise<JobReport> {
    if (!engine) throw new Error("worker not initialised");
    return runJob(job, engine);
  },
  async close(): Promise<void> {
    await engine?.release();
    engine = undefined;
  },
};

export type WorkerApi = typeof api;

if (!parentPort) throw new Error("core/workers/worker.ts must run in a worker thread");
Comlink.expose(api, nodeEndpoint(parentPort));
