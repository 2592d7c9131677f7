/** Decoding and encoding with sharp: depth, channels, alpha, EXIF orientation, and clear errors on bad files. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { decodeImage, decodeImageWithInfo } from "../../core/io/decode.js";
import { encodeImage, writeImage } from "../../core/io/encode.js";
import type { Image } from "../../core/image/types.js";
import { wild } from "../helpers/images.js";

const tmp = mkdtempSync(path.join(tmpdir(), "sade-io-"));

function synthetic(channels: Image["channels"], bitDepth: 8 | 16): Image {
  const w = 37, h = 23, n = w * h * channels;
  const data = bitDepth === 8 ? new Uint8Array(n).map((_, i) => (i * 37) % 256) : new Uint16Array(n).map((_, i) => (i * 2777) % 65536);
  return { width: w, height: h, channels, bitDepth, data };
}

describe("round trips keep size, depth, channels and alpha", () => {
  for (const channels of [1, 2, 3, 4] as const) {
    for (const bitDepth of [8, 16] as const) {
      for (const format of ["png", "tiff"] as const) {
        it(`${channels} channel(s), ${bitDepth}-bit, ${format}: exact`, async () => {
          const img = synthetic(channels, bitDepth);
          const back = await decodeImage(await encodeImage(img, format), "x");
          expect({ w: back.width, h: back.height, c: back.channels, d: back.bitDepth }).toEqual({ w: img.width, h: img.height, c: channels, d: bitDepth });
          expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength))).toBe(true);
        });
      }
    }
  }
  it("a real JPEG decodes to 8-bit RGB at its size", async () => {
    const img = await decodeImage(wild("whole", "Blake_Lively.jpg"));
    expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([700, 464, 3, 8]);
  });
});

describe("EXIF orientation", () => {
  it("is applied: a portrait phone photo stored sideways decodes upright", async () => {
    // 20200320.101220.jpg is stored 4032x3024 with orientation 6 (rotate 90 degrees clockwise).
    const { image, info } = await decodeImageWithInfo(wild("selfies", "20200320.101220.jpg"));
    expect(info.orientation).toBe(6);
    expect([image.width, image.height]).toEqual([3024, 4032]);
  });
  it("is applied to a file we tag ourselves", async () => {
    const file = path.join(tmp, "rot.jpg");
    await sharp(wild("whole", "Blake_Lively.jpg")).withMetadata({ orientation: 8 }).jpeg().toFile(file);
    const img = await decodeImage(file);
    expect([img.width, img.height]).toEqual([464, 700]);
  });
});

describe("bad files get a clear error naming the file", () => {
  it("truncated JPEG", async () => {
    const bytes = readFileSync(wild("whole", "Blake_Lively.jpg"));
    const file = path.join(tmp, "truncated.jpg");
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(decodeImage(file)).rejects.toThrow(/truncated\.jpg: .*(truncat|premature|decode|readable)/i);
  });
  it("not an image", async () => {
    const file = path.join(tmp, "notes.jpg");
    writeFileSync(file, "these are not pixels");
    await expect(decodeImage(file)).rejects.toThrow(/notes\.jpg: not a readable image/);
  });
  it("unsupported format (GIF)", async () => {
    const file = path.join(tmp, "anim.gif");
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#f00" } }).gif().toFile(file);
    await expect(decodeImage(file)).rejects.toThrow(/anim\.gif: unsupported format 'gif'/);
  });
  it("missing and empty files", async () => {
    await expect(decodeImage(path.join(tmp, "nope.png"))).rejects.toThrow(/nope\.png: file not found/);
    writeFileSync(path.join(tmp, "empty.png"), "");
    await expect(decodeImage(path.join(tmp, "empty.png"))).rejects.toThrow(/empty\.png: file is empty/);
  });
  it("writing to an unsupported extension fails before writing anything", async () => {
    await expect(writeImage(path.join(tmp, "out.bmp"), synthetic(3, 8))).rejects.toThrow(/out\.bmp: unsupported output extension/);
  });
});
