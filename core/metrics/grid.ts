// A side-by-side contact sheet (input | restored | ground truth, one row per image) so a person can look at
// what the numbers describe.
import sharp, { type OverlayOptions } from "sharp";
import type { RgbImage } from "./rgb.js";

export interface GridRow {
  name: string;
  /** one image per column; undefined leaves a grey cell */
  cells: (RgbImage | undefined)[];
  caption?: string;
}

const HEADER = 28;
const CAPTION = 22;
const GAP = 4;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function textSvg(width: number, height: number, text: string, size: number, bg: string): Buffer {
  return Buffer.from(
    `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="${bg}"/>` +
      `<text x="6" y="${Math.round(height * 0.72)}" font-family="DejaVu Sans, sans-serif" font-size="${size}" fill="#f0f0f0">${escapeXml(text)}</text></svg>`,
  );
}

/** Writes a PNG grid with `cell` x `cell` thumbnails (aspect kept, letterboxed) and a labelled header. */
export async function writeGrid(path: string, columns: string[], rows: GridRow[], cell = 256): Promise<void> {
  if (rows.length === 0) throw new Error("grid: nothing to show");
  const rowH = cell + CAPTION + GAP;
  const width = columns.length * (cell + GAP) + GAP;
  const height = HEADER + rows.length * rowH + GAP;
  const layers: OverlayOptions[] = [];
  columns.forEach((label, c) => {
    layers.push({ input: textSvg(cell, HEADER, label, 16, "#303030"), left: GAP + c * (cell + GAP), top: 0 });
  });
  for (let r = 0; r < rows.length; r++) {
    const top = HEADER + r * rowH;
    const row = rows[r];
    for (let c = 0; c < columns.length; c++) {
      const img = row.cells[c];
      const left = GAP + c * (cell + GAP);
      if (!img) {
        layers.push({ input: textSvg(cell, cell, "—", 20, "#505050"), left, top });
        continue;
      }
      const thumb = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
        raw: { width: img.width, height: img.height, channels: 3 },
      })
        .resize(cell, cell, { fit: "contain", background: { r: 24, g: 24, b: 24 }, kernel: "lanczos3" })
        .png()
        .toBuffer();
      layers.push({ input: thumb, left, top });
    }
    const caption = row.caption ? `${row.name}  ${row.caption}` : row.name;
    layers.push({ input: textSvg(width - 2 * GAP, CAPTION, caption, 13, "#181818"), left: GAP, top: top + cell });
  }
  await sharp({ create: { width, height, channels: 3, background: { r: 24, g: 24, b: 24 } } })
    .composite(layers)
    .png()
    .toFile(path);
}
