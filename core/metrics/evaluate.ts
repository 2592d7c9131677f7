// `sade eval`: the field's full-reference and no-reference metrics over a folder of restored faces.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { defaultAssets, type MetricAssets } from "./assets.js";
import { listImages } from "./files.js";
import { writeGrid, type GridRow } from "./grid.js";
import { IdentityModel, idd } from "./idd.js";
import { LpipsModel } from "./lpips.js";
import { loadNiqeParams, niqe, type NiqeParams } from "./niqe.js";
import { psnr } from "./psnr.js";
import { readRgb, type RgbImage } from "./rgb.js";
import { ssim } from "./ssim.js";

export const METRICS = ["psnr", "ssim", "lpips", "niqe", "idd"] as const;
export type MetricName = (typeof METRICS)[number];
export const FULL_REFERENCE: MetricName[] = ["psnr", "ssim", "lpips", "idd"];
/** true = higher is better */
export const HIGHER_IS_BETTER: Record<MetricName, boolean> = { psnr: true, ssim: true, lpips: false, niqe: false, idd: false };

export const CONVENTIONS =
  "psnr, ssim: RGB 0..255, no crop, SSIM with an 11x11 Gaussian window (sigma 1.5), mean over channels (BasicSR); " +
  "lpips: v0.1 SqueezeNet, inputs in [-1, 1]; niqe: Y channel (BT.601), 96x96 blocks, two scales (MATLAB bicubic 1/2), " +
  "BasicSR pristine parameters; idd: arccos of the cosine (radians) between fr_feature.onnx embeddings " +
  "(npm faceplugin-face-recognition-js) after a similarity warp from the FFHQ 512 template to the ArcFace 112 template, " +
  "input (x - 127.5) / 128 RGB. Full-reference metrics compare restored/<name> with gt/<name>.";

export type EvalRow = { name: string } & Partial<Record<MetricName, number>>;

export interface EvalReport {
  restored: string;
  gt?: string;
  input?: string;
  count: number;
  metrics: MetricName[];
  mean: Partial<Record<MetricName, number>>;
  rows: EvalRow[];
  conventions: string;
  seconds: number;
}

export interface EvalOptions {
  restoredDir: string;
  gtDir?: string;
  /** the degraded inputs, only for the grid's first column */
  inputDir?: string;
  /** default: all that apply (without gtDir only niqe) */
  metrics?: MetricName[];
  assets?: Partial<MetricAssets>;
  /** an LPIPS ONNX export to use instead of building one from assets.lpipsWeights */
  lpipsOnnx?: string;
  jsonPath?: string;
  gridPath?: string;
  /** at most this many rows in the grid (default 12) */
  gridRows?: number;
  threads?: number;
  log?: (msg: string) => void;
  onProgress?: (done: number, total: number, name: string) => void;
}

interface Loaded {
  lpips?: LpipsModel;
  identity?: IdentityModel;
  niqe?: NiqeParams;
}

export async function evaluate(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const assets = { ...defaultAssets(), ...opts.assets };
  const restored = listImages(opts.restoredDir);
  if (restored.size === 0) throw new Error(`${opts.restoredDir}: no images found`);
  const gt = opts.gtDir ? listImages(opts.gtDir) : undefined;
  const input = opts.inputDir ? listImages(opts.inputDir) : undefined;

  const requested = opts.metrics ?? (gt ? [...METRICS] : ["niqe" as MetricName]);
  const missingGt = requested.filter((m) => FULL_REFERENCE.includes(m) && !gt);
  if (missingGt.length) throw new Error(`${missingGt.join(", ")} need ground truth: pass --gt DIR`);

  let names = [...restored.keys()];
  if (gt) {
    const unmatched = names.filter((n) => !gt.has(n));
    if (unmatched.length === names.length) {
      throw new Error(`no restored image in ${opts.restoredDir} has a ground truth of the same name in ${opts.gtDir}`);
    }
    if (unmatched.length) opts.log?.(`skipping ${unmatched.length} image(s) without ground truth: ${unmatched.slice(0, 5).join(", ")}`);
    names = names.filter((n) => gt.has(n));
  }

  const threads = opts.threads ?? 2;
  const models: Loaded = {};
  if (requested.includes("lpips")) {
    models.lpips = await LpipsModel.load({ onnx: opts.lpipsOnnx, weightsDir: assets.lpipsWeights, threads, log: opts.log });
  }
  if (requested.includes("idd")) models.identity = await IdentityModel.load(assets.identityModel, threads);
  if (requested.includes("niqe")) models.niqe = await loadNiqeParams(assets.niqeParams);

  const rows: EvalRow[] = [];
  const grid: GridRow[] = [];
  const gridMax = opts.gridRows ?? 12;
  try {
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      opts.onProgress?.(i, names.length, name);
      const img = await readRgb(restored.get(name)!);
      const ref = gt ? await readRgb(gt.get(name)!) : undefined;
      if (ref && (ref.width !== img.width || ref.height !== img.height)) {
        throw new Error(`${restored.get(name)}: ${img.width}x${img.height} but its ground truth ${gt!.get(name)} is ${ref.width}x${ref.height}`);
      }
      const row = await measure(name, img, ref, requested, models);
      rows.push(row);
      if (opts.gridPath && grid.length < gridMax) {
        const inp = input?.get(name);
        grid.push({ name, cells: [inp ? await readRgb(inp) : undefined, img, ref], caption: caption(row) });
      }
    }
    opts.onProgress?.(names.length, names.length, "");
  } finally {
    await models.lpips?.release();
    await models.identity?.release();
  }

  const mean: Partial<Record<MetricName, number>> = {};
  for (const m of requested) {
    const vals = rows.map((r) => r[m]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (vals.length) mean[m] = vals.reduce((a, b) => a + b, 0) / vals.length;
  }
  const report: EvalReport = {
    restored: opts.restoredDir,
    gt: opts.gtDir,
    input: opts.inputDir,
    count: rows.length,
    metrics: requested,
    mean,
    rows,
    conventions: CONVENTIONS,
    seconds: (performance.now() - t0) / 1000,
  };
  if (opts.jsonPath) {
    mkdirSync(dirname(opts.jsonPath), { recursive: true });
    writeFileSync(opts.jsonPath, JSON.stringify(report, null, 2) + "\n");
  }
  if (opts.gridPath) {
    mkdirSync(dirname(opts.gridPath), { recursive: true });
    await writeGrid(opts.gridPath, ["input", "restored", "ground truth"], grid);
  }
  return report;
}

async function measure(name: string, img: RgbImage, ref: RgbImage | undefined, metrics: MetricName[], m: Loaded): Promise<EvalRow> {
  const row: EvalRow = { name };
  for (const metric of metrics) {
    switch (metric) {
      case "psnr":
        row.psnr = psnr(img, ref!);
        break;
      case "ssim":
        row.ssim = ssim(img, ref!);
        break;
      case "lpips":
        row.lpips = await m.lpips!.distance(img, ref!);
        break;
      case "idd":
        row.idd = await idd(m.identity!, img, ref!);
        break;
      case "niqe":
        row.niqe = niqe(img, m.niqe!);
        break;
    }
  }
  return row;
}

function caption(row: EvalRow): string {
  return METRICS.filter((m) => row[m] !== undefined)
    .map((m) => `${m.toUpperCase()} ${row[m]!.toFixed(m === "psnr" ? 2 : 4)}`)
    .join("  ");
}

/** The table of means the CLI prints. */
export function formatMeans(report: EvalReport): string {
  const lines = [`${report.count} image(s) in ${report.restored}${report.gt ? ` vs ${report.gt}` : ""}`, "", "| metric | mean | better |", "| --- | --- | --- |"];
  for (const m of report.metrics) {
    const v = report.mean[m];
    lines.push(`| ${m.toUpperCase()} | ${v === undefined ? "n/a" : v.toFixed(m === "psnr" ? 3 : 4)} | ${HIGHER_IS_BETTER[m] ? "higher" : "lower"} |`);
  }
  return lines.join("\n");
}
