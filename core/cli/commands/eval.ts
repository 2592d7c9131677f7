// `sade eval RESTORED_DIR [--gt GT_DIR]`: PSNR, SSIM, LPIPS, NIQE, IDD with the field's conventions (core/metrics).
import { Command, InvalidArgumentError } from "commander";
import cliProgress from "cli-progress";
import { defaultAssets } from "../../metrics/assets.js";
import { evaluate, formatMeans, METRICS, type MetricName } from "../../metrics/evaluate.js";

function parseMetrics(v: string): MetricName[] {
  const list = v.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const m of list) {
    if (!(METRICS as readonly string[]).includes(m)) throw new InvalidArgumentError(`unknown metric '${m}' (known: ${METRICS.join(", ")})`);
  }
  return list as MetricName[];
}

export function registerEval(program: Command): void {
  const assets = defaultAssets();
  program
    .command("eval")
    .description("measure restored faces: PSNR, SSIM, LPIPS, IDD against --gt, and NIQE (no reference)")
    .argument("<RESTORED_DIR>", "folder of restored faces (512x512, FFHQ-aligned for IDD)")
    .option("--gt <DIR>", "ground-truth folder; images are paired by file name without extension")
    .option("--input <DIR>", "the degraded inputs, shown in the grid's first column")
    .option("--json <FILE>", "write per-image values and means as JSON")
    .option("--grid <FILE>", "write a side-by-side PNG: input | restored | ground truth")
    .option("--grid-rows <N>", "rows in the grid", (v) => Number.parseInt(v, 10), 12)
    .option("--metrics <LIST>", `comma-separated subset of ${METRICS.join(",")}`, parseMetrics)
    .option("--lpips-weights <DIR>", "LPIPS SqueezeNet weights (backbone.pth, head-v0.1.pth)", assets.lpipsWeights)
    .option("--lpips-onnx <FILE>", "an LPIPS ONNX export to use instead of building one from --lpips-weights")
    .option("--niqe-params <FILE>", "NIQE pristine parameters (niqe_pris_params.npz)", assets.niqeParams)
    .option("--identity-model <FILE>", "identity model for IDD (default: fr_feature.onnx from faceplugin-face-recognition-js)")
    .option("--threads <N>", "onnxruntime threads", (v) => Number.parseInt(v, 10), 2)
    .action(async (restoredDir: string, o: Record<string, any>) => {
      const bar = new cliProgress.SingleBar({ format: "eval [{bar}] {value}/{total} {name}", stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 }, cliProgress.Presets.shades_classic);
      let started = false;
      const report = await evaluate({
        restoredDir,
        gtDir: o.gt,
        inputDir: o.input,
        metrics: o.metrics,
        jsonPath: o.json,
        gridPath: o.grid,
        gridRows: o.gridRows,
        lpipsOnnx: o.lpipsOnnx,
        assets: { lpipsWeights: o.lpipsWeights, niqeParams: o.niqeParams, identityModel: o.identityModel },
        threads: o.threads,
        log: (m) => console.error(m),
        onProgress: (done, total, name) => {
          if (!started) {
            bar.start(total, 0, { name });
            started = true;
          }
          bar.update(done, { name });
        },
      });
      if (started) bar.stop();
      console.log(formatMeans(report));
      if (o.json) console.log(`\nper-image values: ${o.json}`);
      if (o.grid) console.log(`grid: ${o.grid}`);
    });
}
