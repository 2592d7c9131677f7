// Where the measurement assets live. They come from ../shared (never committed); derived files (the LPIPS ONNX
// export) go to the git-ignored .cache/ of the repository.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this module with the project's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, "utf8")).name === "sade") return dir;
      } catch {
        /* not ours, keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/**
 * The shared data root: $SADE_SHARED, else the parent of $SADE_DATA (which names ../shared/data), else ../shared
 * beside the repository.
 */
export function sharedRoot(): string {
  if (process.env.SADE_SHARED) return resolve(process.env.SADE_SHARED);
  if (process.env.SADE_DATA) return dirname(resolve(process.env.SADE_DATA));
  return resolve(repoRoot(), "..", "shared");
}

export function cacheDir(): string {
  return process.env.SADE_CACHE ? resolve(process.env.SADE_CACHE) : join(repoRoot(), ".cache");
}

export interface MetricAssets {
  /** folder with backbone.pth and head-v0.1.pth (LPIPS v0.1 SqueezeNet) */
  lpipsWeights: string;
  /** BasicSR's niqe_pris_params.npz */
  niqeParams: string;
  /** fr_feature.onnx; undefined = the one in node_modules */
  identityModel?: string;
}

export function defaultAssets(): MetricAssets {
  const root = sharedRoot();
  return {
    lpipsWeights: join(root, "weights", "lpips-squeeze"),
    niqeParams: join(root, "weights", "niqe", "niqe_pris_params.npz"),
  };
}
