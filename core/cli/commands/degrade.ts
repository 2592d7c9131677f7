// `sade degrade HQ_DIR LQ_DIR --seed N`: the paper's eq. 9 (core/degrade/eq9.ts), deterministic per seed and file.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import cliProgress from "cli-progress";
import { degrade } from "../../degrade/degrade.js";
import { CLEAN_P, JITTER_P, JPEG_Q, NOISE, SCALE, SIGMA, type DegradeParams } from "../../degrade/eq9.js";
import { listImages } from "../../metrics/files.js";
import { readRgb, writePng } from "../../metrics/rgb.js";

export interface DegradeDirOptions {
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

/** Degrades every image of hqDir into lqDir/<name>.png and writes lqDir/degradations.json (seed and parameters). */
export async function degradeDir(hqDir: string, lqDir: string, opts: DegradeDirOptions): Promise<Record<string, DegradeParams>> {
  const files = listImages(hqDir);
  if (files.size === 0) throw new Error(`${hqDir}: no images found`);
  mkdirSync(lqDir, { recursive: true });
  const params: Record<string, DegradeParams> = {};
  let done = 0;
  for (const [name, path] of files) {
    const { image, params: p } = await degrade(await readRgb(path), opts.seed, name);
    await writePng(join(lqDir, `${name}.png`), image);
    params[name] = p;
    opts.onProgress?.(++done, files.size);
  }
  const manifest = {
    about: "sade degrade: the paper's eq. 9, I_l = {JPEG_q((I_h * k_sigma) downscale_r + n_delta)} upscale_r, plus colour jitter and clean inputs",
    seed: opts.seed,
    ranges: { sigma: SIGMA, r: SCALE, delta: NOISE, q: JPEG_Q, clean_p: CLEAN_P, jitter_p: JITTER_P },
    source: hqDir,
    images: params,
  };
  writeFileSync(join(lqDir, "degradations.json"), JSON.stringify(manifest, null, 2) + "\n");
  return params;
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError("the seed must be an integer");
  return n;
}

export function registerDegrade(program: Command): void {
  program
    .command("degrade")
    .description("make low-quality copies of HQ_DIR's images in LQ_DIR with the paper's degradation (eq. 9)")
    .argument("<HQ_DIR>", "folder of high-quality images")
    .argument("<LQ_DIR>", "output folder (PNG, same names, plus degradations.json)")
    .option("--seed <N>", "random seed: same seed, same images", parseSeed, 0)
    .action(async (hqDir: string, lqDir: string, o: { seed: number }) => {
      const bar = new cliProgress.SingleBar({ format: "degrade [{bar}] {value}/{total}", stream: process.stderr, noTTYOutput: true, notTTYSchedule: 10_000 }, cliProgress.Presets.shades_classic);
      let started = false;
      const params = await degradeDir(hqDir, lqDir, {
        seed: o.seed,
        onProgress: (done, total) => {
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        },
      });
      if (started) bar.stop();
      const clean = Object.values(params).filter((p) => p.clean).length;
      console.log(`wrote ${Object.keys(params).length} image(s) to ${lqDir} (seed ${o.seed}, ${clean} left clean); parameters in ${join(lqDir, "degradations.json")}`);
    });
}
