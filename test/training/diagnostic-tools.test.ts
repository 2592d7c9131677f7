import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/data";
import { torchPython } from "../helpers/python";

// The diagnostics behind models/restorer.md's "Fidelity as two bands" numbers for v30, and the critic probe behind
// "Critics against chance".
const work = mkdtempSync(join(tmpdir(), "sade-tools-"));
const py = torchPython();
const tool = (name: string, ...args: string[]) =>
  execFileSync(py, ["-m", `training.tools.${name}`, ...args], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** A Python snippet (one line per entry) run with the recipe's torch from the repository root. */
const snippet = (lines: string[], ...args: string[]) => execFileSync(py, ["-c", lines.join("\n"), ...args], { cwd: REPO });

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A 64 x 64 grey face: a smooth ramp plus a one-pixel checkerboard of the given amplitude. */
async function face(dir: string, name: string, ramp: number, checker: number) {
  mkdirSync(dir, { recursive: true });
  const px = Buffer.alloc(64 * 64 * 3);
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++) px.fill(Math.round(100 + ramp * (x / 63) + checker * ((x + y) % 2 ? 1 : -1)), (y * 64 + x) * 3, (y * 64 + x) * 3 + 3);
  await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(join(dir, name));
}

async function grey(file: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(file).extractChannel(0).raw().toBuffer());
}

/** A `sade degrade` record of three degraded faces and a clean one: n (noisy, sharp) and m (noisy, blurred), b
 * (little noise), c (clean). */
function degradations(): string {
  writeFileSync(join(work, "degradations.json"), JSON.stringify({ images: {
    n: { clean: false, sigma: 0.4, r: 2.7, delta: 14, q: 94 },
    m: { clean: false, sigma: 3.0, r: 2.0, delta: 12, q: 80 },
    b: { clean: false, sigma: 0.5, r: 4.0, delta: 2, q: 90 },
    c: { clean: true, sigma: 0.3, r: 1.0, delta: 14, q: 99 },
  } }));
  return join(work, "degradations.json");
}

/** A `sade eval --json` file of PSNR and SSIM rows; null is what sade eval writes for a value that is not finite. */
function evalFile(name: string, rows: [string, number | null, number][]): string {
  writeFileSync(join(work, name), JSON.stringify({ rows: rows.map(([n, psnr, ssim]) => ({ name: n, psnr, ssim })) }));
  return join(work, name);
}

describe("diagnostic tools", () => {
  it("two_band keeps the first folder's low band and the second's high band", async () => {
    // low: a steep ramp, no texture; high: a flat face with a strong checkerboard
    await face(join(work, "low"), "a.png", 80, 0);
    await face(join(work, "high"), "a.png", 0, 20);
    tool("two_band", join(work, "low"), join(work, "high"), "1.5", join(work, "out"));
    const out = await grey(join(work, "out", "a.png"));
    const row = 32 * 64;
    // the ramp is there (left to right), and so is the checkerboard (neighbours differ by about 40)
    expect(out[row + 61] - out[row + 3]).toBeGreaterThan(60); // same checker phase
    expect(Math.abs(out[row + 31] - out[row + 30])).toBeGreaterThan(30);
    // a folder without the same faces is refused, naming it
    mkdirSync(join(work, "empty"));
    expect(() => tool("two_band", join(work, "low"), join(work, "empty"), "1", join(work, "x"))).toThrow(/missing from the others/);
  });

  it("two_band --region gives the second folder's band only inside the named parsing classes", async () => {
    // labels: class 13 (hair) on the left half, 1 (skin) on the right
    const labels = Buffer.alloc(64 * 64);
    for (let i = 0; i < labels.length; i++) labels[i] = i % 64 < 32 ? 13 : 1;
    mkdirSync(join(work, "labels"), { recursive: true });
    await sharp(labels, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(work, "labels", "a.png"));
    tool("two_band", join(work, "low"), join(work, "high"), "0", join(work, "hair"), "--labels", join(work, "labels"), "--region", "13:1.5");
    const out = await grey(join(work, "hair", "a.png"));
    const low = await grey(join(work, "low", "a.png"));
    const row = 32 * 64;
    expect(Math.abs(out[row + 6] - out[row + 5])).toBeGreaterThan(30); // hair: the checkerboard came over
    expect(out[row + 60]).toBe(low[row + 60]); // skin, away from the feathered seam: untouched
    expect(out[row + 59]).toBe(low[row + 59]);
    // sigma 0 takes the second folder's pixels outright
    tool("two_band", join(work, "low"), join(work, "high"), "0", join(work, "whole"), "--labels", join(work, "labels"), "--region", "13:0");
    const whole = await grey(join(work, "whole", "a.png"));
    const high = await grey(join(work, "high", "a.png"));
    expect(whole[row + 4]).toBe(high[row + 4]);
    expect(() => tool("two_band", join(work, "low"), join(work, "high"), "0", join(work, "x"), "--labels", join(work, "labels"), "--region", "hair")).toThrow(/expected CLASSES:SIGMA/);
    expect(() => tool("two_band", join(work, "low"), join(work, "high"), "0", join(work, "x"), "--region", "13:1")).toThrow(/go together/);
  });

  it("best_choice picks per face and bounds the mean NIQE at each mean SSIM", () => {
    // Two operating points of two faces: A is structure (high SSIM, high NIQE), B texture. Face f gains much NIQE
    // for little SSIM by going to B; face g the reverse.
    const file = (name: string, rows: [string, number, number][]) => {
      writeFileSync(join(work, name), JSON.stringify({ rows: rows.map(([n, ssim, niqe]) => ({ name: n, ssim, niqe })) }));
      return join(work, name);
    };
    const a = file("a.json", [["f", 0.8, 9], ["g", 0.8, 9]]);
    const b = file("b.json", [["f", 0.79, 5], ["g", 0.6, 8]]);
    const lines = tool("best_choice", a, b).trim().split("\n");
    const at = (lam: number) => lines.find((l) => l.startsWith(`lambda ${String(lam).padStart(4)}:`));
    expect(at(0)).toContain("mean SSIM 0.6950, mean NIQE 6.500"); // NIQE alone: B for both
    expect(at(10)).toContain("mean SSIM 0.7950, mean NIQE 7.000"); // f to B, g stays at A
    expect(at(500)).toContain("mean SSIM 0.8000, mean NIQE 9.000"); // SSIM alone: A for both
  });

  it("by_degradation gives the means of a degradation subset and where a restoration is below its input", () => {
    const deg = degradations();
    const input = evalFile("input.json", [["n", 26, 0.7], ["m", 24, 0.6], ["b", 28, 0.8], ["c", 99, 1]]);
    const restored = evalFile("restored.json", [["n", 25.5, 0.71], ["m", 25, 0.65], ["b", 29, 0.82], ["c", 40, 0.99]]);
    const out = tool("by_degradation", deg, input, restored, "--min", "delta=10", "--max", "sigma=1.5");
    expect(out).toContain("1 faces with delta >= 10, sigma <= 1.5"); // n only: m is blurred, c is clean
    expect(out).toContain(`| ${restored} | 25.5000 | 0.7100 | 1 | 0 |`); // below the input on PSNR, not on SSIM
    expect(tool("by_degradation", deg, input, restored, "--min", "delta=10")).toContain(`| ${input} | 25.0000 | 0.6500 |  |  |`);
    // a bound on a parameter the record lacks, or a restoration without a row for a face: refused, naming it
    expect(() => tool("by_degradation", deg, input, restored, "--min", "noise=10")).toThrow(/has no parameter 'noise'/);
    const partial = evalFile("partial.json", [["b", 29, 0.82]]);
    expect(() => tool("by_degradation", deg, input, partial, "--min", "delta=10")).toThrow(/partial.json: no row for 2 of the 2 faces/);
  });

  it("paired_diff and by_degradation read sade eval's null (a PSNR of infinity) as left out of the means, as sade eval does", () => {
    // sade eval writes JSON, which has no Infinity: a face identical to its ground truth (the ground truth scored
    // against itself, or a clean input) gets "psnr": null.
    const deg = degradations();
    const truth = evalFile("truth.json", [["n", null, 1], ["m", null, 1], ["b", null, 1], ["c", null, 1]]);
    const input = evalFile("input-clean.json", [["n", 26, 0.7], ["m", 24, 0.6], ["b", 28, 0.8], ["c", null, 1]]);
    const restored = evalFile("restored-2.json", [["n", 25.5, 0.71], ["m", 25, 0.65], ["b", 29, 0.82], ["c", 40, 0.99]]);
    const byDeg = tool("by_degradation", deg, input, truth, restored, "--min", "delta=10");
    expect(byDeg).toContain(`| ${truth} | n/a | 1.0000 | 0 | 0 |`);
    expect(byDeg).toContain(`| ${restored} | 25.2500 | 0.6800 | 1 | 0 |`);
    const lines = tool("paired_diff", input, restored).trim().split("\n");
    expect(lines[0]).toMatch(/^psnr {2}\+0\.5000 ± 0\.5000 \(standard error\) {2}candidate better on 2\/3 faces$/); // c left out
    expect(lines[1]).toMatch(/^ssim {2}\+0\.0175 ± .* candidate better on 3\/4 faces$/);
    expect(tool("paired_diff", truth, restored).split("\n")[0]).toBe("psnr  n/a (no face scored finitely in both files)");
  });

  it("cascade_mix takes the second pass where the degraded face's blind noise estimate reaches the threshold", () => {
    // n: a ramp with white noise of sigma 8 added at 1/4 of the size, then upscaled (as eq. 9 adds it); s: the
    // same ramp without noise.
    const lq = join(work, "cascade-lq");
    snippet([
      "import sys, os, cv2, numpy as np",
      "out = sys.argv[1]; os.makedirs(out, exist_ok=True)",
      "ramp = np.tile(np.linspace(60, 190, 128, dtype=np.float32), (128, 1))",
      "small = cv2.resize(ramp, (32, 32), interpolation=cv2.INTER_AREA) + np.random.default_rng(0).normal(0, 8, (32, 32))",
      "noisy = cv2.resize(small.astype(np.float32), (128, 128), interpolation=cv2.INTER_CUBIC)",
      "for name, img in (('n', noisy), ('s', ramp)):",
      "    cv2.imwrite(os.path.join(out, name + '.png'), np.repeat(np.clip(img, 0, 255).astype(np.uint8)[..., None], 3, 2))",
    ], lq);
    const one = evalFile("one.json", [["n", 25, 0.6], ["s", 30, 0.9]]);
    const two = evalFile("two.json", [["n", 24, 0.7], ["s", 29, 0.8]]);
    const mixed = join(work, "mixed.json");
    const out = tool("cascade_mix", lq, one, two, "3", "1000", "0", "--json", mixed);
    expect(out).toContain("| 3 | 1 of 2 | 27.0000 | 0.8000 |"); // n from two passes, s from one
    expect(out).toContain("| 1000 | 0 of 2 | 27.5000 | 0.7500 |");
    expect(out).toContain("| 0 | 2 of 2 | 26.5000 | 0.7500 |");
    const rowsOut = JSON.parse(readFileSync(mixed, "utf8")).rows;
    expect(rowsOut.map((r: { name: string; psnr: number }) => [r.name, r.psnr])).toEqual([["n", 24], ["s", 30]]);
    // the estimate sees the noise that was added at a quarter of the size (sigma 8 there; it reads about 4.5, the
    // upscale and the area downscale having smoothed part of it) and next to none on the ramp
    expect(rowsOut[0].noise).toBeGreaterThan(3);
    expect(rowsOut[1].noise).toBeLessThan(1);
    // files that do not score the same faces, or a face without its degraded image: refused, named
    const other = evalFile("other.json", [["n", 24, 0.7]]);
    expect(() => tool("cascade_mix", lq, one, other, "3")).toThrow(/do not score the same faces \(e\.g\. s\)/);
    const stray = evalFile("stray-one.json", [["x", 1, 0.1]]);
    expect(() => tool("cascade_mix", lq, stray, evalFile("stray-two.json", [["x", 1, 0.1]]), "3")).toThrow(/no degraded face x\.png/);
  });

  it("step_speed times a restorer's training step in float32 and under bfloat16 autocast, GroupNorm included", () => {
    for (const mode of ["fp32", "bf16", "bf16-cl"]) {
      const line = JSON.parse(tool("step_speed", "--config", "training/configs/restorer-smoke.json", "--mode", mode, "--repeat", "1").trim());
      expect(line).toMatchObject({ mode, threads: 1, batch: 2 });
      expect(line.seconds_per_step).toBeGreaterThan(0);
    }
    expect(() => tool("step_speed", "--config", "training/configs/parser-smoke.json")).toThrow(/parser-smoke.json: not a restorer config/);
  });

  it("average_weights averages the generator weights of checkpoints of one network and refuses others", () => {
    // a, b, c: one network (w 1, 2, 6; an integer step counter 10, 20, 60); d: w of another shape.
    snippet([
      "import sys, torch",
      "for name, v, shape in (('a', 1.0, (2, 3)), ('b', 2.0, (2, 3)), ('c', 6.0, (2, 3)), ('d', 1.0, (3, 2))):",
      "    m = {'w': torch.full(shape, v), 'steps': torch.tensor(int(v * 10))}",
      "    torch.save({'model': m, 'config': {'name': name}, 'state': {'iter': 1}}, f'{sys.argv[1]}/{name}.pt')",
    ], work);
    const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => join(work, `${n}.pt`));
    const soup = join(work, "soup.pt");
    expect(tool("average_weights", a, b, c, "--out", soup)).toContain("mean of 3 checkpoints");
    const read = (file: string) => JSON.parse(snippet([
      "import json, sys, torch",
      "ck = torch.load(sys.argv[1]); m = ck['model']",
      "print(json.dumps({'w': m['w'].flatten().tolist(), 'steps': int(m['steps']), 'config': ck['config']['name'], 'from': len(ck['averaged_from'])}))",
    ], file).toString());
    expect(read(soup)).toEqual({ w: [3, 3, 3, 3, 3, 3], steps: 10, config: "a", from: 3 }); // integer buffers: the first's
    tool("average_weights", a, c, "--out", soup, "--weights", "0.75,0.25");
    expect(read(soup).w[0]).toBeCloseTo(2.25, 6);
    expect(() => tool("average_weights", a, d, "--out", soup)).toThrow(/d.pt: w has shape \(3, 2\)/);
    expect(() => tool("average_weights", a, b, "--out", soup, "--weights", "0.5,0.6")).toThrow(/sum to 1.1, not 1/);
  });

  it("critic_probe judges restored val faces against the true ones: trains a critic on 70, scores it on the rest, and scores a run's critics", () => {
    // Stand-ins for a model's restorations: 80 val faces of ../shared blurred (sigma 2), under their own names.
    const fakes = join(work, "blurred");
    snippet([
      "import sys, cv2",
      "from pathlib import Path",
      "from training.common.faces import restoration_val_images",
      "out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)",
      "for p in restoration_val_images()[:80]:",
      "    cv2.imwrite(str(out / (p.stem + '.png')), cv2.GaussianBlur(cv2.resize(cv2.imread(str(p)), (512, 512), interpolation=cv2.INTER_AREA), (0, 0), 2))",
    ], fakes);
    const lines = tool("critic_probe", "--fakes", fakes, "--projected", "2", "--steps", "26", "--lr", "1e-3").trim().split("\n");
    expect(lines).toHaveLength(2); // steps 1 and 26
    const heldOut = lines.map((l) => Number(/held-out loss (\S+)/.exec(l)![1]));
    expect(heldOut[1]).toBeLessThan(heldOut[0] - 0.1); // it learned what a blur looks like on faces it did not see (measured 1.58 -> 1.32)
    expect(heldOut[1]).toBeLessThan(1.36);
    // A run's checkpoint: its global critic projected, the eye and mouth ones plain, each scored on all 80 faces
    // (untrained here, so only the report is checked: which critic, which kind, its loss).
    const ckpt = join(work, "run.pt");
    snippet([
      "import sys, torch",
      "from training.common.lpips import LPIPSSqueeze",
      "from training.restorer.losses import PatchDiscriminator, ProjectedDiscriminator",
      "discs = {'global': ProjectedDiscriminator(LPIPSSqueeze(), 2).state_dict(), 'eye': PatchDiscriminator().state_dict(), 'mouth': PatchDiscriminator().state_dict()}",
      "torch.save({'config': {'train': {'projected': ['global'], 'projected_depth': 2}}, 'discs': discs}, sys.argv[1])",
    ], ckpt);
    const scored = tool("critic_probe", "--fakes", fakes, "--critics", ckpt);
    expect(scored).toMatch(/^global +projected +loss \d+\.\d{3}/m);
    expect(scored).toMatch(/^eye +plain +loss \d+\.\d{3}/m);
    expect(scored).toMatch(/^mouth +plain +loss \d+\.\d{3}/m);
    // too few restorations of val faces: refused, naming the folder
    mkdirSync(join(work, "few"));
    expect(() => tool("critic_probe", "--fakes", join(work, "few"), "--steps", "1")).toThrow(/few: 0 restorations of celebahq-512\/val faces/);
  }, 120_000);
});
