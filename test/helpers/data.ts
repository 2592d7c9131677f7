import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The shared data folder: SADE_DATA, else ../shared/data beside the repository. */
export function dataDir(): string {
  const dir = process.env.SADE_DATA ? resolve(process.env.SADE_DATA) : resolve(REPO, "..", "shared", "data");
  if (!existsSync(dir)) throw new Error(`shared data not found at ${dir}: set SADE_DATA`);
  return dir;
}

export function sharedDir(): string {
  return dirname(dataDir());
}

export const dataPath = (...parts: string[]) => join(dataDir(), ...parts);
