/**
 * 4-DoF similarity (rotation, uniform scale, translation) fitted to point pairs: weighted least squares, and a
 * robust least-median-of-squares fit like OpenCV's estimateAffinePartial2D(..., LMEDS) that facexlib uses.
 */
import type { Affine, Point } from "./affine.js";

export function fitSimilarity(src: Point[], dst: Point[], weights?: number[]): Affine {
  const n = src.length;
  if (n < 2 || dst.length !== n) throw new Error("similarity fit needs at least two point pairs");
  let sw = 0, mx = 0, my = 0, nx = 0, ny = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    sw += w; mx += w * src[i][0]; my += w * src[i][1]; nx += w * dst[i][0]; ny += w * dst[i][1];
  }
  if (sw <= 0) throw new Error("similarity fit: all weights are zero");
  mx /= sw; my /= sw; nx /= sw; ny /= sw;
  let num1 = 0, num2 = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    const px = src[i][0] - mx, py = src[i][1] - my, qx = dst[i][0] - nx, qy = dst[i][1] - ny;
    num1 += w * (px * qx + py * qy);
    num2 += w * (px * qy - py * qx);
    den += w * (px * px + py * py);
  }
  if (den < 1e-12) throw new Error("similarity fit: source points coincide");
  const a = num1 / den, b = num2 / den;
  return [a, -b, nx - (a * mx - b * my), b, a, ny - (b * mx + a * my)];
}

function residuals(m: Affine, src: Point[], dst: Point[]): number[] {
  return src.map((p, i) => {
    const x = m[0] * p[0] + m[1] * p[1] + m[2] - dst[i][0];
    const y = m[3] * p[0] + m[4] * p[1] + m[5] - dst[i][1];
    return x * x + y * y;
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/**
 * Least median of squares over every minimal pair, then least squares on the inliers. One badly placed landmark
 * (an occluded mouth corner, say) does not drag the alignment.
 */
export function fitSimilarityRobust(src: Point[], dst: Point[]): Affine {
  const n = src.length;
  if (n <= 3) return fitSimilarity(src, dst);
  let best: Affine | null = null;
  let bestMed = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let m: Affine;
      try {
        m = fitSimilarity([src[i], src[j]], [dst[i], dst[j]]);
      } catch {
        continue;
      }
      const med = median(residuals(m, src, dst));
      if (med < bestMed) { bestMed = med; best = m; }
    }
  }
  if (!best) return fitSimilarity(src, dst);
  // Robust sigma as in OpenCV's LMeDS: 2.5 * 1.4826 * (1 + 5 / (n - 2)) * sqrt(median).
  const sigma = 2.5 * 1.4826 * (1 + 5 / (n - 2)) * Math.sqrt(bestMed);
  const thr = Math.max(sigma * sigma, 1e-6);
  const r = residuals(best, src, dst);
  const inl = r.map((v) => v <= thr);
  // With all points inliers the plain least-squares fit is the answer (it uses everything).
  const count = inl.filter(Boolean).length;
  if (count < 2) return best;
  return fitSimilarity(src.filter((_, k) => inl[k]), dst.filter((_, k) => inl[k]));
}
