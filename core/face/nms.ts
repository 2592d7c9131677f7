/** Box helpers: IoU and greedy non-maximum suppression. Boxes as [x1, y1, x2, y2]. */

export type Box = [number, number, number, number];

export function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return ua > 0 ? inter / ua : 0;
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other. */
export function overlapOfSmaller(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const small = Math.min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]));
  return small > 0 ? (w * h) / small : 0;
}

/**
 * Keeps the highest-scoring box of each overlapping group (IoU above `threshold`, or, when given, more than
 * `containment` of the smaller box covered); returns kept indices, best first.
 */
export function nms(boxes: Box[], scores: number[], threshold: number, containment = Infinity): number[] {
  const order = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i]);
  const keep: number[] = [];
  const removed = new Uint8Array(boxes.length);
  for (const i of order) {
    if (removed[i]) continue;
    keep.push(i);
    for (const j of order) {
      if (removed[j] || j === i) continue;
      if (iou(boxes[i], boxes[j]) > threshold || overlapOfSmaller(boxes[i], boxes[j]) > containment) removed[j] = 1;
    }
  }
  return keep;
}
