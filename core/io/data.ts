/** Where the shared data lives: $SADE_DATA, else ../shared/data beside the repository. Node only. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function locateData(): string {
  const dir = process.env.SADE_DATA ? path.resolve(process.env.SADE_DATA) : path.resolve(REPO_ROOT, "../shared/data");
  if (!existsSync(dir)) throw new Error(`shared data not found at ${dir} (set SADE_DATA)`);
  return dir;
}
