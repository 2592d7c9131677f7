/**
 * `sade restore INPUT -o OUTPUT`: every face in a photo (or a folder of photos) restored. Other tools call this
 * command: its flags and its JSON report are a contract (README.md).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { Rect } from "../../image/types.js";
import { type Job, type JobOptions, type JobReport, runJob } from "../../workers/job.js";
import { runPool } from "../../workers/pool.js";
import { type Backend, checkModelFiles, createEngine, modelsDirFrom } from "../engine.js";
import { createProgress } from "../progress.js";
import { DEFAULT_FIDELITY } from "../../restore/restore.js";

export const IMAGE_EXTENSIONS = /\.(jpe?g|png|tiff?|webp)$/i;

const unitInterval = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a number from 0 to 1`);
  return n;
};
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number >= 1");
  return n;
};
const nonNegative = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number >= 0");
  return n;
};
export const parseRect = (v: string): Rect => {
  const p = v.split(",").map((s) => Number(s.trim()));
  if (p.length !== 4 || p.some((n) => !Number.isFinite(n)) || p[2] <= 0 || p[3] <= 0) {
    throw new InvalidArgumentError("expected x,y,w,h with a positive width and height (pixels)");
  }
  return { x: p[0], y: p[1], width: p[2], height: p[3] };
};
const indexList = (v: string) => {
  const p = v.split(",").map((s) => Number(s.trim()));
  if (p.some((n) => !Number.isInteger(n) || n < 0)) throw new InvalidArgumentError("expected face indices like 0,2");
  return p;
};

interface RestoreCliOptions {
  output: string;
  aligned?: boolean;
  masks?: string;
  region?: Rect;
  regionMask?: string;
  strength: number;
  fidelity: number;
  minFaceSize?: number;
  faces?: number[];
  backend: Backend;
  workers: number;
  threads?: number;
  json?: string;
  models?: string;
  overwrite?: boolean;
  progress: boolean;
}

/** Input/output pairs, after the checks that need no decoding. */
export function planJobs(input: string, output: string, overwrite: boolean, options: JobOptions): { jobs: Job[]; folder: boolean } {
  if (!existsSync(input)) throw new Error(`${input}: no such file or folder`);
  const same = (a: string, b: string) => path.resolve(a) === path.resolve(b);
  if (statSync(input).isDirectory()) {
    if (existsSync(output) && !statSync(output).isDirectory()) throw new Error(`${output}: the input is a folder, so the output must be a folder`);
    if (same(input, output) && !overwrite) throw new Error(`refusing to overwrite the input folder ${input} (pass --overwrite to replace its files)`);
    const files = readdirSync(input).filter((f) => IMAGE_EXTENSIONS.test(f) && statSync(path.join(input, f)).isFile()).sort();
    if (!files.length) throw new Error(`${input}: no images (.jpg, .png, .tif, .webp) in this folder`);
    return { folder: true, jobs: files.map((f) => ({ input: path.join(input, f), output: path.join(output, f), options })) };
  }
  let out = output;
  if ((existsSync(output) && statSync(output).isDirectory()) || /[\\/]$/.test(output)) out = path.join(output, path.basename(input));
  if (same(input, out) && !overwrite) throw new Error(`refusing to overwrite the input ${input} (pass --overwrite, or choose another output)`);
  return { folder: false, jobs: [{ input, output: out, options }] };
}

function describe(r: JobReport): string {
  if (r.error) return `${r.input}: FAILED: ${r.error}`;
  const parts = [`${r.faces.length} face(s) restored`];
  if (r.skipped.length) parts.push(`${r.skipped.length} skipped (${r.skipped.map((s) => `#${s.index ?? "?"} ${s.reason}`).join("; ")})`);
  for (const n of r.notes) parts.push(n);
  return `${r.input} -> ${r.output}: ${parts.join(", ")} [${((r.timings.total ?? 0) / 1000).toFixed(2)} s]`;
}

export function registerRestore(program: Command): void {
  program
    .command("restore")
    .description("restore every face in a photo, or in every photo of a folder")
    .argument("<INPUT>", "photo (JPEG, PNG, TIFF, WebP; 8/16-bit, grey or colour, alpha kept) or folder of photos")
    .requiredOption("-o, --output <OUTPUT>", "output file (format from its extension) or folder")
    .option("--aligned", "inputs are faces already aligned to the FFHQ 512 template: no detection, no paste-back")
    .option("--masks <DIR>", "also write NAME.eyes.png, NAME.mouth.png, NAME.face.png (full image size, 8-bit grey)")
    .addOption(new Option("--region <x,y,w,h>", "restore only faces inside this rectangle; no pixel outside changes").argParser(parseRect).conflicts("regionMask"))
    .option("--region-mask <FILE>", "grey image of the photo's size: restore only where it is not black (it weights the blend)")
    .option("--strength <S>", "blend of the restored face over the original, 0..1", unitInterval("--strength"), 1)
    .option("--fidelity <F>", "0 = quality (lean on the learned prior), 1 = fidelity to the input; for restorers that take it", unitInterval("--fidelity"), DEFAULT_FIDELITY)
    .option("--min-face-size <PX>", "skip (and report) faces narrower than this, in pixels", nonNegative)
    .option("--faces <LIST>", "restore only these faces, by index (left to right, then top to bottom), e.g. 0,2", indexList)
    .addOption(new Option("--backend <B>", "onnxruntime-node (fast, native) or onnxruntime-web wasm (the Photoshop path)").choices(["node", "wasm"]).default("node"))
    .option("--workers <N>", "worker threads for a folder (each loads its own models)", positiveInt, 1)
    .option("--threads <N>", "onnxruntime-node threads per engine (default: the cores shared among workers)", positiveInt)
    .option("--json <REPORT>", "write a JSON report: per file, the faces (box, landmarks, score), skipped faces, timings per stage (ms)")
    .option("--models <DIR>", "models folder with models.json (default: $SADE_MODELS_DIR or the repository's models/)")
    .option("--overwrite", "allow the output to be the input")
    .option("--no-progress", "no progress bar")
    .addHelpText("after", `
Examples:
  sade restore photo.jpg -o restored.png
  sade restore photo.tif -o out.tif --strength 0.8 --masks masks/
  sade restore shoot/ -o restored/ --workers 2 --json report.json
  sade restore crop512.png -o out.png --aligned

Exit status: 0 when every file was written (a photo with no face is copied unchanged and reported
"no face found"); 1 when any file failed (unreadable, truncated or unsupported: named with the reason,
no partial output), or on a usage error.`)
    .action(async (input: string, o: RestoreCliOptions) => {
      const options: JobOptions = {
        aligned: o.aligned, strength: o.strength, fidelity: o.fidelity, minFaceSize: o.minFaceSize, faceIndices: o.faces,
        region: o.region, regionMask: o.regionMask, masksDir: o.masks,
      };
      const { jobs, folder } = planJobs(input, o.output, !!o.overwrite, options);
      const modelsDir = modelsDirFrom(o.models);
      checkModelFiles(modelsDir, o.aligned ? ["parser", "restorer"] : ["detector", "landmarks", "parser", "restorer"]);
      if (folder) mkdirSync(o.output, { recursive: true });
      const t0 = performance.now();
      let reports: JobReport[];
      if (folder && o.workers > 1) {
        const bar = createProgress(`restore (${o.workers} workers)`, o.progress);
        reports = await runPool(jobs, { workers: o.workers, backend: o.backend, modelsDir, threads: o.threads }, (r, done) => {
          bar.update(done / jobs.length, path.basename(r.input));
          if (r.error) process.stderr.write(`\n${describe(r)}\n`);
        });
        bar.stop();
      } else {
        const engine = createEngine(o.backend, modelsDir, o.threads);
        reports = [];
        const bar = createProgress("restore", o.progress);
        try {
          for (let i = 0; i < jobs.length; i++) {
            const name = path.basename(jobs[i].input);
            const r = await runJob(jobs[i], engine, (p) => bar.update((i + p.fraction) / jobs.length, `${name} ${p.stage}`));
            reports.push(r);
            if (r.error && folder) process.stderr.write(`\n${describe(r)}\n`);
          }
        } finally {
          bar.stop();
          await engine.release();
        }
      }
      const failed = reports.filter((r) => r.error);
      for (const r of reports) if (!r.error) console.log(describe(r));
      const faces = reports.reduce((s, r) => s + r.faces.length, 0);
      const summary = {
        files: reports.length, written: reports.length - failed.length, failed: failed.length, faces,
        skippedFaces: reports.reduce((s, r) => s + r.skipped.length, 0), seconds: (performance.now() - t0) / 1000,
        backend: o.backend, workers: folder ? o.workers : 1,
      };
      if (folder || failed.length) {
        console.log(`summary: ${summary.written}/${summary.files} file(s) written, ${faces} face(s) restored, ` +
          `${summary.skippedFaces} skipped, ${summary.failed} failed, ${summary.seconds.toFixed(1)} s`);
      }
      if (o.json) {
        mkdirSync(path.dirname(path.resolve(o.json)), { recursive: true });
        writeFileSync(o.json, JSON.stringify({ summary, files: reports }, null, 2) + "\n");
      }
      if (failed.length) {
        for (const r of failed) process.stderr.write(`${describe(r)}\n`);
        // main() prints this one line and exits with status 1.
        throw new Error(`${failed.length} of ${reports.length} file(s) failed`);
      }
    });
}
