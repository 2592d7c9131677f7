/** Runs the real `sade` launcher (bin/sade.js) in a child process, as a user or another tool would. */
import { execFile } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../../core/io/data.js";

export interface SadeRun { code: number; stdout: string; stderr: string }

export function sade(args: string[], env: Record<string, string> = {}): Promise<SadeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO_ROOT, "bin/sade.js"), ...args], {
      cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 32 << 20, timeout: 300_000,
    }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
