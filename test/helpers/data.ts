import { dirname, join } from "node:path";
import { REPO_ROOT, locateData } from "../../core/io/data.js";

export const REPO = REPO_ROOT;

/** The shared data folder: SADE_DATA, else ../shared/data beside the repository (core/io/data.ts). */
export const dataDir = locateData;

export function sharedDir(): string {
  return dirname(locateData());
}

export const dataPath = (...parts: string[]) => join(locateData(), ...parts);
