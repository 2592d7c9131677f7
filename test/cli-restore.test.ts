/**
 * `sade restore` and `sade parse` end to end through bin/sade.js, on real photos, with fixture parser/restorer
 * models (--models). Covers the contract other tools rely on: flags, outputs, exit codes, the JSON report.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../core/io/decode.js";
import { encodeImage } from "../core/io/encode.js";
import { cropImage, fixtureModels, load, wild, celeba } from "./helpers/images.js";
import { sade } from "./helpers/sade.js";

let models: string;
let tmp: string;
beforeAll(() => {
  models = fixtureModels("smooth");
  tmp = mkdtempSync(path.join(tmpdir(), "sade-cli-"));
});

const samePixels = async (a: string, b: string) => {
  const x = await decodeImage(a), y = await decodeImage(b);
  return x.width === y.width && x.height === y.height && x.channels === y.channels && x.data.every((v, i) => v === y.data[i]);
};

describe("sade --help", () => {
  it("documents every command and every restore flag", async () => {
    const top = await sade(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["restore", "parse"]) expect(top.stdout).toContain(c);
    const r = await sade(["restore", "--help"]);
    for (const flag of ["--output", "--aligned", "--masks", "--region", "--region-mask", "--strength", "--fidelity", "--backend", "--workers", "--json", "--overwrite", "--min-face-size", "--faces", "--models"]) {
      expect(r.stdout).toContain(flag);
    }
    expect((await sade(["parse", "--help"])).stdout).toContain("--preview");
  });
});

describe("sade restore, one photo", () => {
  it("writes the restored photo, full-size masks and a JSON report with timings per stage", async () => {
    const out = path.join(tmp, "one", "restored.png"), masks = path.join(tmp, "one", "masks"), json = path.join(tmp, "one", "report.json");
    const r = await sade(["restore", wild("whole", "Blake_Lively.jpg"), "-o", out, "--masks", masks, "--json", json, "--models", models, "--fidelity", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 face\(s\) restored/);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([700, 464]);
    for (const kind of ["eyes", "mouth", "face"]) {
      const m = await sharp(path.join(masks, `Blake_Lively.${kind}.png`)).metadata();
      expect([m.width, m.height, m.channels]).toEqual([700, 464, 1]);
    }
    const report = JSON.parse(readFileSync(json, "utf8"));
    expect(report.summary).toMatchObject({ files: 1, written: 1, failed: 0, faces: 2 });
    const file = report.files[0];
    expect(file.faces).toHaveLength(2);
    expect(file.faces[0]).toEqual(expect.objectContaining({ index: 0, box: expect.any(Object), landmarks: expect.any(Array), score: expect.any(Number) }));
    expect(file.faces[0].landmarks).toHaveLength(5);
    for (const stage of ["decode", "detect", "align", "parse", "restore", "paste", "encode", "total"]) expect(file.timings[stage]).toBeGreaterThanOrEqual(0);
  });

  it("a photo with no face: output equals input, exit 0, 'no face found'", async () => {
    const src = path.join(tmp, "noface.png");
    writeFileSync(src, await encodeImage(cropImage(await load(wild("whole", "00.jpg")), 0, 1500, 420, 420), "png"));
    const out = path.join(tmp, "noface-out.png");
    const r = await sade(["restore", src, "-o", out, "--models", models]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("no face found");
    expect(readFileSync(out).equals(readFileSync(src))).toBe(true);
  });

  it("16-bit with alpha in, 16-bit with the same alpha out; --region leaves every outside pixel identical", async () => {
    const img = await load(wild("whole", "Blake_Lively.jpg"));
    const n = img.width * img.height;
    const data = new Uint16Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) data[i * 4 + c] = img.data[i * 3 + c] * 257;
      data[i * 4 + 3] = (i % img.width) * 90;
    }
    const src = path.join(tmp, "deep.png");
    writeFileSync(src, await encodeImage({ width: img.width, height: img.height, channels: 4, bitDepth: 16, data }, "png"));
    const out = path.join(tmp, "deep-out.png");
    const r = await sade(["restore", src, "-o", out, "--models", models, "--region", "350,0,350,464", "--fidelity", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 face\(s\) restored/);
    const a = await decodeImage(src), b = await decodeImage(out);
    expect([b.bitDepth, b.channels]).toEqual([16, 4]);
    let inside = 0;
    for (let i = 0; i < n; i++) {
      const x = i % img.width;
      const same = [0, 1, 2, 3].every((c) => a.data[i * 4 + c] === b.data[i * 4 + c]);
      if (x < 350) expect(same).toBe(true);
      else if (!same) inside++;
      expect(b.data[i * 4 + 3]).toBe(a.data[i * 4 + 3]);
    }
    expect(inside).toBeGreaterThan(1000);
  });
});

describe("sade restore --region-mask", () => {
  it("restores only under the mask's non-black pixels; elsewhere the PNG output equals the input", async () => {
    const img = await load(wild("whole", "Blake_Lively.jpg"));
    const src = path.join(tmp, "rm.png");
    writeFileSync(src, await encodeImage(img, "png"));
    const mask = new Uint8Array(img.width * img.height);
    for (let y = 0; y < img.height; y++) for (let x = 0; x < 350; x++) mask[y * img.width + x] = 255; // the left face only
    const maskFile = path.join(tmp, "rm-mask.png");
    await sharp(mask, { raw: { width: img.width, height: img.height, channels: 1 } }).png().toFile(maskFile);
    const out = path.join(tmp, "rm-out.png");
    const r = await sade(["restore", src, "-o", out, "--region-mask", maskFile, "--models", models, "--fidelity", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 face\(s\) restored, 1 skipped \(#1 outside the region\)/);
    const a = await decodeImage(src), b = await decodeImage(out);
    let inside = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      const same = a.data[i * 3] === b.data[i * 3] && a.data[i * 3 + 1] === b.data[i * 3 + 1] && a.data[i * 3 + 2] === b.data[i * 3 + 2];
      if (!mask[i]) expect(same).toBe(true);
      else if (!same) inside++;
    }
    expect(inside).toBeGreaterThan(1000);
    // A mask of the wrong size is named.
    const small = path.join(tmp, "rm-small.png");
    await sharp(new Uint8Array(100).fill(255), { raw: { width: 10, height: 10, channels: 1 } }).png().toFile(small);
    const r2 = await sade(["restore", src, "-o", path.join(tmp, "rm-out2.png"), "--region-mask", small, "--models", models]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/rm-small\.png: region mask is 10x10, the photo is 700x464/);
  });
});

describe("bad input gets a clear answer, and nothing is lost", () => {
  it("a truncated file: exit 1, the file and the reason named, no output written", async () => {
    const bytes = readFileSync(wild("whole", "Blake_Lively.jpg"));
    const src = path.join(tmp, "broken.jpg");
    writeFileSync(src, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const out = path.join(tmp, "broken-out.png");
    const r = await sade(["restore", src, "-o", out, "--models", models]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.jpg: .*(truncat|premature|decode|readable)/i);
    expect(existsSync(out)).toBe(false);
  });

  it("output equal to input is refused unless --overwrite", async () => {
    const src = path.join(tmp, "self.jpg");
    copyFileSync(wild("lfw-dev", "Aaron_Patterson_0001.jpg"), src);
    const before = readFileSync(src);
    const r = await sade(["restore", src, "-o", src, "--models", models]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to overwrite/);
    expect(readFileSync(src).equals(before)).toBe(true);
    const r2 = await sade(["restore", src, "-o", src, "--models", models, "--overwrite"]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readFileSync(src).equals(before)).toBe(false);
  });

  it("a missing model file stops at once with a message naming it", async () => {
    const dir = path.join(tmp, "no-models");
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(models, "models.json"), path.join(dir, "models.json"));
    copyFileSync(path.join(models, "parser.onnx"), path.join(dir, "parser.onnx"));
    const r = await sade(["restore", wild("whole", "Blake_Lively.jpg"), "-o", path.join(tmp, "x.png"), "--models", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/model file\(s\) missing:\s+restorer: .*restorer\.onnx/);
  });

  it("bad flag values are rejected", async () => {
    const r = await sade(["restore", wild("whole", "Blake_Lively.jpg"), "-o", path.join(tmp, "y.png"), "--strength", "2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--strength must be a number from 0 to 1/);
  });
});

describe("sade restore, a folder", () => {
  it("2 workers give the same files as 1; one bad file is reported and skipped, the rest complete", async () => {
    const src = path.join(tmp, "batch");
    mkdirSync(src, { recursive: true });
    copyFileSync(wild("whole", "Blake_Lively.jpg"), path.join(src, "a.jpg"));
    copyFileSync(wild("lfw-dev", "Aaron_Patterson_0001.jpg"), path.join(src, "b.jpg"));
    writeFileSync(path.join(src, "c.png"), await encodeImage(await load(wild("lfw-dev", "Alec_Baldwin_0001.jpg")), "png"));
    writeFileSync(path.join(src, "d.jpg"), readFileSync(wild("lfw-dev", "Beyonce_Knowles_0001.jpg")).subarray(0, 3000));
    const seq = path.join(tmp, "batch-1"), par = path.join(tmp, "batch-2");
    const r1 = await sade(["restore", src, "-o", seq, "--models", models, "--workers", "1", "--json", path.join(tmp, "b1.json")]);
    const r2 = await sade(["restore", src, "-o", par, "--models", models, "--workers", "2", "--json", path.join(tmp, "b2.json")]);
    for (const r of [r1, r2]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/d\.jpg: FAILED: .*d\.jpg/);
      expect(r.stdout).toMatch(/summary: 3\/4 file\(s\) written/);
    }
    expect(readdirSync(par).sort()).toEqual(["a.jpg", "b.jpg", "c.png"]);
    for (const f of ["a.jpg", "b.jpg", "c.png"]) expect(await samePixels(path.join(seq, f), path.join(par, f)), f).toBe(true);
    const rep = JSON.parse(readFileSync(path.join(tmp, "b2.json"), "utf8"));
    expect(rep.summary).toMatchObject({ files: 4, written: 3, failed: 1, workers: 2 });
    expect(rep.files.map((f: { input: string }) => path.basename(f.input))).toEqual(["a.jpg", "b.jpg", "c.png", "d.jpg"]);
  });
});

describe("backends and parse", () => {
  it("--backend wasm gives the node backend's result within one level", async () => {
    const src = wild("lfw-dev", "Aaron_Patterson_0001.jpg");
    const a = path.join(tmp, "node.png"), b = path.join(tmp, "wasm.png");
    expect((await sade(["restore", src, "-o", a, "--models", models])).code).toBe(0);
    const r = await sade(["restore", src, "-o", b, "--models", models, "--backend", "wasm"]);
    expect(r.code, r.stderr).toBe(0);
    const x = await decodeImage(a), y = await decodeImage(b);
    let max = 0;
    for (let i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs(x.data[i] - y.data[i]));
    expect(max).toBeLessThanOrEqual(1);
  });

  it("sade parse writes the label map (value = class) and a preview, for a photo and for an aligned face", async () => {
    const labels = path.join(tmp, "labels.png"), preview = path.join(tmp, "preview.png");
    const r = await sade(["parse", wild("whole", "Blake_Lively.jpg"), "-o", labels, "--preview", preview, "--models", models]);
    expect(r.code, r.stderr).toBe(0);
    const l = await decodeImage(labels);
    expect([l.width, l.height, l.channels]).toEqual([700, 464, 1]);
    const classes = new Set(l.data);
    for (const c of [0, 1, 4, 5, 11, 12]) expect(classes.has(c)).toBe(true);
    expect(Math.max(...classes)).toBeLessThan(19);
    expect((await sharp(preview).metadata()).width).toBe(700);
    const face = celeba(readdirSync(celeba("")).filter((f) => f.endsWith(".jpg")).sort()[0]);
    const r2 = await sade(["parse", face, "-o", labels, "--aligned", "--models", models]);
    expect(r2.code, r2.stderr).toBe(0);
    expect((await decodeImage(labels)).width).toBe(512);
  });
});
