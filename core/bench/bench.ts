// `sade bench`: speed and memory of the whole pipeline on synthetic photos (real faces on a canvas) at several
// sizes, face counts and both backends. Every case runs in a fresh process: peak RSS per case, no shared caches.
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { STAGES, type Backend, type CaseResult, type CaseSpec } from "./case.js";

export interface BenchConfig {
  megapixels: number[];
  faces: number[];
  backends: Backend[];
  faceFiles: string[];
  modelsDir?: string;
  threads?: number;
  /** per case, in seconds (default 1800) */
  timeoutSeconds?: number;
}

export interface BenchReport {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string };
  config: Omit<BenchConfig, "faceFiles"> & { faceFiles: string[] };
  cases: CaseResult[];
  date: string;
}

export const DEFAULT_BENCH: Pick<BenchConfig, "megapixels" | "faces" | "backends"> = {
  megapixels: [1, 6, 24],
  faces: [1, 4],
  backends: ["node", "wasm"],
};

function runChild(spec: CaseSpec, timeoutSeconds: number): Promise<CaseResult> {
  const require = createRequire(import.meta.url);
  const tsx = pathToFileURL(require.resolve("tsx/esm")).href;
  const entry = join(dirname(fileURLToPath(import.meta.url)), "case-main.ts");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, entry, JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const what = `bench case ${spec.backend} ${spec.megapixels} MP ${spec.faces} face(s)`;
      if (code !== 0) return reject(new Error(`${what} failed (${signal ?? `exit ${code}`}): ${err.trim() || "no message"}`));
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as CaseResult);
      } catch {
        reject(new Error(`${what}: unreadable result ${line.slice(0, 200)}`));
      }
    });
  });
}

export async function runBench(cfg: BenchConfig, onCase?: (r: CaseResult, done: number, total: number) => void): Promise<BenchReport> {
  const specs: CaseSpec[] = [];
  for (const backend of cfg.backends) {
    for (const megapixels of cfg.megapixels) {
      for (const faces of cfg.faces) specs.push({ backend, megapixels, faces, faceFiles: cfg.faceFiles, modelsDir: cfg.modelsDir, threads: cfg.threads });
    }
  }
  const cases: CaseResult[] = [];
  for (const spec of specs) {
    const r = await runChild(spec, cfg.timeoutSeconds ?? 1800);
    cases.push(r);
    onCase?.(r, cases.length, specs.length);
  }
  return {
    machine: {
      cpu: cpus()[0]?.model ?? "unknown",
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    config: { ...cfg },
    cases,
    date: new Date().toISOString(),
  };
}

const fmt = (ms: number | null) => (ms === null ? "n/a" : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** One Markdown table: per-stage time per face, whole-photo time and peak RSS for every case. */
export function formatBench(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`,
    "Stage columns: milliseconds per face (detection is per photo, divided by the faces restored). Whole photo: after one warm-up run.",
    "",
    `| backend | photo | faces placed / restored | ${STAGES.map((s) => `${s} / face`).join(" | ")} | whole photo | peak RSS |`,
    `| --- | --- | --- | ${STAGES.map(() => "---").join(" | ")} | --- | --- |`,
  ];
  for (const c of report.cases) {
    lines.push(
      `| ${c.engine} | ${c.megapixels} MP (${c.width}x${c.height}) | ${c.facesPlaced} / ${c.facesRestored} | ` +
        `${STAGES.map((s) => fmt(c.perFaceMs[s])).join(" | ")} | ${fmt(c.totalMs)} | ${Math.round(c.peakRssMiB)} MiB |`,
    );
  }
  return lines.join("\n");
}
