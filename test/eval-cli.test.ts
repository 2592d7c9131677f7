import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { registerEval } from "../core/cli/commands/eval.js";
import { sharedRoot } from "../core/metrics/assets.js";
import { runCommand } from "./helpers/cli.js";

const REF = join(sharedRoot(), "eval-reference");
const work = mkdtempSync(join(tmpdir(), "sade-eval-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("sade eval", () => {
  it("prints means, writes per-image JSON and a grid PNG", async () => {
    const names = ["10469324a1cf41718f45371d2b89454d", "11ac1570061040a081cbc884deaedc38"];
    for (const d of ["lq", "hq"]) {
      mkdirSync(join(work, d), { recursive: true });
      for (const n of names) copyFileSync(join(REF, d, `${n}.png`), join(work, d, `${n}.png`));
    }
    // A restored image without ground truth is skipped, not fatal.
    copyFileSync(join(REF, "lq", "0049431f35434fea9b0996abe9be155e.png"), join(work, "lq", "extra.png"));
    const json = join(work, "out", "eval.json");
    const grid = join(work, "out", "grid.png");
    const run = await runCommand(registerEval, ["eval", join(work, "lq"), "--gt", join(work, "hq"), "--input", join(work, "lq"), "--json", json, "--grid", grid]);
    expect(run.code, run.error?.message).toBe(0);
    expect(run.err).toMatch(/skipping 1 image\(s\) without ground truth: extra/);
    const out = run.out;
    for (const m of ["PSNR", "SSIM", "LPIPS", "NIQE", "IDD"]) expect(out).toMatch(new RegExp(`\\| ${m} \\| [0-9.]+ \\|`));

    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.count).toBe(2);
    expect(report.rows.map((r: { name: string }) => r.name)).toEqual(names);
    const ref = JSON.parse(readFileSync(join(REF, "reference.json"), "utf8"));
    for (const row of report.rows) {
      const r = ref.rows.find((x: { name: string }) => x.name === row.name);
      expect(Math.abs(row.psnr - r.psnr)).toBeLessThan(0.01);
      expect(Math.abs(row.idd - r.idd)).toBeLessThan(0.01);
    }
    expect(report.mean.psnr).toBeCloseTo((report.rows[0].psnr + report.rows[1].psnr) / 2, 10);

    expect(existsSync(grid)).toBe(true);
    const meta = await sharp(grid).metadata();
    expect(meta.format).toBe("png");
    expect(meta.width).toBeGreaterThan(3 * 256);
    expect(meta.height).toBeGreaterThan(2 * 256);
  });

  it("NIQE only without ground truth; a clear error for full-reference metrics without --gt", async () => {
    const json = join(work, "niqe.json");
    const ok = await runCommand(registerEval, ["eval", join(work, "hq"), "--json", json]);
    expect(ok.code, ok.error?.message).toBe(0);
    expect(JSON.parse(readFileSync(json, "utf8")).metrics).toEqual(["niqe"]);
    const bad = await runCommand(registerEval, ["eval", join(work, "hq"), "--metrics", "psnr"]);
    expect(bad.code).toBe(1);
    expect(bad.error?.message).toMatch(/need ground truth: pass --gt DIR/);
    const unknown = await runCommand(registerEval, ["eval", join(work, "hq"), "--metrics", "fid"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err + unknown.error?.message).toMatch(/unknown metric 'fid'/);
  });
});
