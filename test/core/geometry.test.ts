/** Alignment geometry: the similarity fit, its robustness, the template, and the round trip through it. */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type Affine, applyAffine, composeAffine, invertAffine, type Point } from "../../core/face/affine.js";
import { fitSimilarity, fitSimilarityRobust } from "../../core/face/similarity.js";
import { FFHQ_TEMPLATE_512 } from "../../core/face/template.js";
import { REPO_ROOT } from "../../core/io/data.js";

const T = FFHQ_TEMPLATE_512 as Point[];
const similarity = (s: number, theta: number, tx: number, ty: number): Affine =>
  [s * Math.cos(theta), -s * Math.sin(theta), tx, s * Math.sin(theta), s * Math.cos(theta), ty];

describe("similarity fit", () => {
  it("recovers a known rotation, scale and shift exactly", () => {
    const m = similarity(0.37, 0.4, -120, 35);
    const src = T.map((p) => applyAffine(invertAffine(m), p));
    const fit = fitSimilarity(src, T);
    fit.forEach((v, i) => expect(v).toBeCloseTo(m[i], 9));
  });

  it("round trip image -> crop -> image is exact to well under 0.5 px", () => {
    const m = similarity(2.3, -0.2, 15, 80);
    const pts: Point[] = T.map((p) => applyAffine(invertAffine(m), p));
    const fit = fitSimilarityRobust(pts, T);
    const back = composeAffine(invertAffine(fit), fit);
    for (const p of pts) {
      const q = applyAffine(back, p);
      expect(Math.hypot(q[0] - p[0], q[1] - p[1])).toBeLessThan(1e-9);
    }
  });

  it("one misplaced landmark does not drag the robust fit (least squares would)", () => {
    const m = similarity(1.7, 0.1, 300, 200);
    const pts: Point[] = T.map((p) => applyAffine(invertAffine(m), p));
    pts[4] = [pts[4][0] + 40, pts[4][1] + 25]; // an occluded mouth corner, badly placed
    const robust = fitSimilarityRobust(pts, T), plain = fitSimilarity(pts, T);
    const err = (f: Affine) => Math.max(...T.slice(0, 4).map((t, k) => Math.hypot(applyAffine(f, pts[k])[0] - t[0], applyAffine(f, pts[k])[1] - t[1])));
    expect(err(robust)).toBeLessThan(0.5);
    expect(err(plain)).toBeGreaterThan(3);
  });
});

describe("scripts/update-model-hashes.mjs", () => {
  it("fills the sha256 of every model whose file is there, keeping the layout, and --check agrees", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sade-hash-"));
    cpSync(path.join(REPO_ROOT, "models/models.json"), path.join(dir, "models.json"));
    const before = readFileSync(path.join(dir, "models.json"), "utf8").replace(/"sha256": "[0-9a-f]*"/g, '"sha256": ""');
    writeFileSync(path.join(dir, "models.json"), before);
    execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/update-model-hashes.mjs"), dir], { cwd: REPO_ROOT });
    const after = readFileSync(path.join(dir, "models.json"), "utf8");
    const m = JSON.parse(after);
    for (const id of ["detector", "landmarks", "identity"]) expect(m.models[id].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(after.split("\n").length).toBe(before.split("\n").length);
    execFileSync(process.execPath, [path.join(REPO_ROOT, "scripts/update-model-hashes.mjs"), "--check", dir], { cwd: REPO_ROOT });
  });
});
