/**
 * The host adapter over the fake Photoshop, in Node (no bundle): the Photoshop behaviour the plugin relies on, and
 * the adapter's conversions (16-bit ranges, offsets, masks and channels on the whole canvas, error 9).
 */
import { describe, expect, it } from "vitest";
import { createPhotoshopHost } from "../../plugin/host/photoshop-host.js";
import { hasWasmSimd } from "../../plugin/simd.js";
import { intersectMasks, solid, unionMasks } from "../../plugin/raster.js";
import { FakePhotoshop } from "./fake-photoshop.js";

function gradient16(w: number, h: number): Uint16Array {
  const d = new Uint16Array(w * h * 3);
  for (let i = 0; i < d.length; i++) d[i] = (i * 2654435761) % 65536;
  return d;
}

describe("fake Photoshop (the tests' oracle)", () => {
  it("refuses edits outside executeAsModal and a second modal with error number 9", async () => {
    const ps = new FakePhotoshop();
    const doc = ps.open({ width: 8, height: 8, layers: [{ name: "L", pixels: { rect: { left: 0, top: 0, width: 8, height: 8 }, components: 3, data: new Uint8Array(192) } }] });
    await expect(ps.photoshop.imaging.getPixels({ documentID: doc.id, layerID: doc.state.layers[0].id })).rejects.toThrow(/executeAsModal/);
    await ps.photoshop.core.executeAsModal(async () => {
      await expect(ps.photoshop.core.executeAsModal(async () => 1, { commandName: "x" })).rejects.toMatchObject({ number: 9 });
    }, { commandName: "outer" });
  });

  it("one history state per suspended command; rollback restores everything; a throw rolls back an open suspension", async () => {
    const ps = new FakePhotoshop();
    const doc = ps.open({ width: 8, height: 8, layers: [{ name: "Background", isBackground: true, pixels: { rect: { left: 0, top: 0, width: 8, height: 8 }, components: 3, data: new Uint8Array(192) } }] });
    const { core, app } = ps.photoshop;
    await core.executeAsModal(async (ctx) => {
      const s = await ctx.hostControl.suspendHistory({ documentID: doc.id, name: "Two edits" });
      await app.activeDocument!.createPixelLayer({ name: "A" });
      await app.activeDocument!.createPixelLayer({ name: "B" });
      await ctx.hostControl.resumeHistory(s as never, true);
    }, { commandName: "c" });
    expect(doc.history).toEqual(["Open", "Two edits"]);
    expect(doc.state.layers.map((l) => l.name)).toEqual(["B", "A", "Background"]);

    await core.executeAsModal(async (ctx) => {
      const s = await ctx.hostControl.suspendHistory({ documentID: doc.id, name: "Undone" });
      await app.activeDocument!.createPixelLayer({ name: "C" });
      await ctx.hostControl.resumeHistory(s as never, false);
    }, { commandName: "c" });
    await expect(
      core.executeAsModal(async (ctx) => {
        await ctx.hostControl.suspendHistory({ documentID: doc.id, name: "Thrown" });
        await app.activeDocument!.createPixelLayer({ name: "D" });
        throw new Error("boom");
      }, { commandName: "c" }),
    ).rejects.toThrow("boom");
    expect(doc.history).toEqual(["Open", "Two edits"]);
    expect(doc.state.layers.map((l) => l.name)).toEqual(["B", "A", "Background"]);
  });
});

describe("PhotoshopHost over the photoshop module", () => {
  it("reads and writes 16-bit pixels in the SDK's full range, at the layer's offset, without loss", async () => {
    const ps = new FakePhotoshop();
    const data = gradient16(20, 10);
    const doc = ps.open({ width: 40, height: 30, bits: 16, layers: [{ name: "L", pixels: { rect: { left: 7, top: 5, width: 20, height: 10 }, components: 3, data } }] });
    const host = createPhotoshopHost(ps.photoshop);
    const layerId = doc.state.layers[0].id;
    const px = await host.executeAsModal("t", () => host.readLayerPixels(doc.id, layerId, 16));
    expect(px!.rect).toEqual({ left: 7, top: 5, width: 20, height: 10 });
    expect(px!.components).toBe(4);
    for (let i = 0; i < 200; i++) expect(px!.data[i * 4]).toBe(data[i * 3]);
    const newId = await host.executeAsModal("t", async () => {
      const id = await host.createPixelLayerAbove(doc.id, layerId, "Copy");
      await host.writeLayerPixels(doc.id, id, px!);
      return id;
    });
    expect(doc.state.layers.map((l) => l.name)).toEqual(["Copy", "L"]);
    expect(Buffer.from(doc.layer(newId).pixels!.data.buffer).equals(Buffer.from(doc.layer(layerId).pixels!.data.buffer))).toBe(true);
    expect(ps.liveImageData.size).toBe(0);
  });

  it("puts masks and alpha channels on the whole canvas and puts the selection back", async () => {
    const ps = new FakePhotoshop();
    const sel = new Uint8Array(30 * 20);
    sel[5 * 30 + 6] = 200;
    const doc = ps.open({ width: 30, height: 20, layers: [{ name: "L", pixels: { rect: { left: 0, top: 0, width: 30, height: 20 }, components: 3, data: new Uint8Array(1800) } }], selection: sel });
    const host = createPhotoshopHost(ps.photoshop);
    const plane = { rect: { left: 10, top: 4, width: 2, height: 2 }, data: new Uint8Array([255, 128, 0, 64]) };
    await host.executeAsModal("t", async () => {
      const user = await host.readSelection(doc.id, host.state().selectionBounds!);
      expect(user!.rect).toEqual({ left: 6, top: 5, width: 1, height: 1 });
      await host.writeLayerMask(doc.id, doc.state.layers[0].id, plane);
      await host.addAlphaChannel(doc.id, "Eyes", plane);
      await host.setSelection(doc.id, user);
    });
    const mask = doc.state.layers[0].mask!;
    expect(mask.rect).toEqual({ left: 0, top: 0, width: 30, height: 20 });
    expect(mask.data[4 * 30 + 10]).toBe(255);
    expect(mask.data[5 * 30 + 11]).toBe(64);
    expect(mask.data.reduce((a, v) => a + v, 0)).toBe(255 + 128 + 64);
    expect(doc.state.channels[0].name).toBe("Eyes");
    expect(doc.state.channels[0].data[4 * 30 + 11]).toBe(128);
    expect(Buffer.from(doc.state.selection!).equals(Buffer.from(sel))).toBe(true);
  });

  it("saves an empty plane as an empty channel (an empty selection cannot be saved)", async () => {
    const ps = new FakePhotoshop();
    const doc = ps.open({ width: 10, height: 10, layers: [{ name: "L", pixels: { rect: { left: 0, top: 0, width: 10, height: 10 }, components: 3, data: new Uint8Array(300) } }] });
    const host = createPhotoshopHost(ps.photoshop);
    await host.executeAsModal("t", () => host.addAlphaChannel(doc.id, "Mouth", { rect: { left: 2, top: 2, width: 1, height: 1 }, data: new Uint8Array(1) }));
    expect(doc.state.channels.map((c) => c.name)).toEqual(["Mouth"]);
    expect(doc.state.channels[0].data.every((v) => v === 0)).toBe(true);
    expect(doc.state.selection).toBeNull();
  });

  it("turns Photoshop's 'another modal' error into the busy message", async () => {
    const ps = new FakePhotoshop();
    ps.otherPluginModal = true;
    await expect(createPhotoshopHost(ps.photoshop).executeAsModal("t", async () => 1)).rejects.toMatchObject({ code: "busy" });
  });
});

describe("plugin helpers", () => {
  it("detects WebAssembly SIMD in this Node, and its absence in a host that lacks it", () => {
    expect(hasWasmSimd()).toBe(true);
    expect(hasWasmSimd({ validate: () => false })).toBe(false);
    expect(hasWasmSimd(undefined)).toBe(hasWasmSimd()); // default parameter: the global WebAssembly
  });

  it("unions, intersects and solidifies masks in image coordinates", () => {
    const a = { x: 0, y: 0, width: 2, height: 1, data: new Uint8Array([10, 0]) };
    const b = { x: 1, y: 0, width: 2, height: 1, data: new Uint8Array([20, 30]) };
    expect(unionMasks([a, b], 3, 1)).toEqual({ x: 0, y: 0, width: 3, height: 1, data: new Uint8Array([10, 20, 30]) });
    expect(unionMasks([b], 2, 1)).toEqual({ x: 1, y: 0, width: 1, height: 1, data: new Uint8Array([20]) });
    expect(intersectMasks(a, b)).toBeNull();
    expect(intersectMasks(b, { x: 2, y: 0, width: 1, height: 1, data: new Uint8Array([7]) })).toEqual({ x: 2, y: 0, width: 1, height: 1, data: new Uint8Array([7]) });
    expect(solid(b).data).toEqual(new Uint8Array([255, 255]));
  });
});
