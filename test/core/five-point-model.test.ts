/**
 * The five-point model (core/face/five-point-model.ts): how the shipped five points are read off the 68-point
 * landmarks. Checked on the 68 points the shipped detector finds on real photos.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Point } from "../../core/face/affine.js";
import { detectFaceList, FLIP_68 } from "../../core/face/detect.js";
import { applyFivePointModel, FIVE_POINT_MODEL, plainFivePoints } from "../../core/face/five-point-model.js";
import type { Engine } from "../../core/models/engine.js";
import { createNodeEngine } from "../../core/models/node-engine.js";
import { load, wild } from "../helpers/images.js";

let engine: Engine;
let faces68: Point[][] = [];
beforeAll(async () => {
  engine = createNodeEngine();
  for (const f of ["Aaron_Patterson_0001.jpg", "Abdullatif_Sener_0001.jpg", "Alan_Trammell_0001.jpg"]) {
    const found = await detectFaceList(await load(wild("lfw-dev", f)), engine);
    faces68.push(found[0].landmarks68 as Point[]);
  }
});
afterAll(async () => { await engine.release(); });

const eye = (p: Point[]) => Math.hypot(p[1][0] - p[0][0], p[1][1] - p[0][1]);
const FLIP_5 = [1, 0, 2, 4, 3];

describe("five-point model", () => {
  it("is shipped, fitted on thousands of faces, and better than the plain points where it was checked", () => {
    expect(FIVE_POINT_MODEL).not.toBeNull();
    expect(FIVE_POINT_MODEL!.weights).toHaveLength(137);
    expect(FIVE_POINT_MODEL!.fitted.faces).toBeGreaterThan(1000);
    expect(FIVE_POINT_MODEL!.fitted.error).toBeLessThan(0.07);
  });

  it("moves the plain points by a correction, not somewhere else", () => {
    for (const p of faces68) {
      const plain = plainFivePoints(p), five = applyFivePointModel(FIVE_POINT_MODEL!, p);
      const moved = five.map((q, k) => Math.hypot(q[0] - plain[k][0], q[1] - plain[k][1]) / eye(plain));
      expect(Math.max(...moved)).toBeLessThan(0.35);
    }
  });

  it("is the same on a face and on its mirror image (it was fitted on both)", () => {
    for (const p of faces68) {
      const five = applyFivePointModel(FIVE_POINT_MODEL!, p);
      const mirrored = FLIP_68.map((j) => [1000 - p[j][0], p[j][1]] as Point);
      const back = FLIP_5.map((k) => applyFivePointModel(FIVE_POINT_MODEL!, mirrored)[k]).map((q) => [1000 - q[0], q[1]]);
      const diff = five.map((q, k) => Math.hypot(q[0] - back[k][0], q[1] - back[k][1]) / eye(five));
      expect(Math.max(...diff)).toBeLessThan(0.03);
    }
  });

  it("is translation and scale equivariant (it works in the aligned frame)", () => {
    const p = faces68[0];
    const moved = p.map((q) => [q[0] * 2.5 + 300, q[1] * 2.5 - 40] as Point);
    const a = applyFivePointModel(FIVE_POINT_MODEL!, p), b = applyFivePointModel(FIVE_POINT_MODEL!, moved);
    a.forEach((q, k) => {
      expect(b[k][0]).toBeCloseTo(q[0] * 2.5 + 300, 6);
      expect(b[k][1]).toBeCloseTo(q[1] * 2.5 - 40, 6);
    });
  });
});
