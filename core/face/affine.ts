/** 2-D affine transforms as [a, b, tx, c, d, ty]: (x, y) -> (a·x + b·y + tx, c·x + d·y + ty). */

export type Affine = [number, number, number, number, number, number];
export type Point = [number, number];

export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error("affine transform is not invertible");
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/** m1 after m2: x -> m1(m2(x)). */
export function composeAffine(m1: Affine, m2: Affine): Affine {
  return [
    m1[0] * m2[0] + m1[1] * m2[3],
    m1[0] * m2[1] + m1[1] * m2[4],
    m1[0] * m2[2] + m1[1] * m2[5] + m1[2],
    m1[3] * m2[0] + m1[4] * m2[3],
    m1[3] * m2[1] + m1[4] * m2[4],
    m1[3] * m2[2] + m1[4] * m2[5] + m1[5],
  ];
}

/** Mean scale factor (sqrt of |det|): output pixels per input pixel. */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/** Bounding box of a transformed rectangle [0,w]x[0,h]. */
export function transformedBounds(m: Affine, w: number, h: number): { x0: number; y0: number; x1: number; y1: number } {
  const pts = [applyAffine(m, [0, 0]), applyAffine(m, [w, 0]), applyAffine(m, [0, h]), applyAffine(m, [w, h])];
  return {
    x0: Math.min(...pts.map((p) => p[0])),
    y0: Math.min(...pts.map((p) => p[1])),
    x1: Math.max(...pts.map((p) => p[0])),
    y1: Math.max(...pts.map((p) => p[1])),
  };
}
