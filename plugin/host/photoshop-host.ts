/**
 * PhotoshopHost over the `photoshop` module: the only code that calls Photoshop. It takes the module as an
 * argument (modules.ts does the `require`), so the same code runs against the fake Photoshop in tests.
 */
import { messages, PluginError } from "../errors.js";
import type { DocRect, GreyPixels, HistorySuspension, HostState, LayerInfo, LayerPixels, ModalScope, PhotoshopHost } from "./host.js";
import type { PhotoshopModule, PsBounds, PsDocument, PsExecutionContext, PsImageData } from "./photoshop-api.js";

const GREY = { components: 1, colorSpace: "Grayscale", colorProfile: "Gray Gamma 2.2" } as const;

export function createPhotoshopHost(ps: PhotoshopModule): PhotoshopHost {
  const { app, core, imaging } = ps;

  function documentById(id: number): PsDocument {
    const doc = app.activeDocument;
    if (!doc || doc.id !== id) throw new Error(`document ${id} is no longer the active document`);
    return doc;
  }

  async function grey(plane: GreyPixels): Promise<PsImageData> {
    return imaging.createImageDataFromBuffer(plane.data, {
      width: plane.rect.width,
      height: plane.rect.height,
      ...GREY,
    });
  }

  /** Grows plane to cover the whole canvas (zeros outside), so nothing outside it is left to Photoshop's defaults. */
  function onCanvas(doc: PsDocument, plane: GreyPixels): GreyPixels {
    const r = plane.rect;
    const left = Math.min(0, r.left);
    const top = Math.min(0, r.top);
    const right = Math.max(doc.width, r.left + r.width);
    const bottom = Math.max(doc.height, r.top + r.height);
    if (left === r.left && top === r.top && right === r.left + r.width && bottom === r.top + r.height) return plane;
    const width = right - left;
    const out = new Uint8Array(width * (bottom - top));
    for (let y = 0; y < r.height; y++) {
      const row = plane.data.subarray(y * r.width, (y + 1) * r.width);
      out.set(row, (y + r.top - top) * width + (r.left - left));
    }
    return { rect: { left, top, width, height: bottom - top }, data: out };
  }

  /** Makes a grey plane the document's selection (written canvas-wide: what lies outside the rect is unselected). */
  async function putSelectionPlane(doc: PsDocument, plane: GreyPixels): Promise<void> {
    const full = onCanvas(doc, plane);
    const img = await grey(full);
    try {
      await imaging.putSelection({ documentID: doc.id, imageData: img, replace: true, targetBounds: full.rect });
    } finally {
      img.dispose();
    }
  }

  return {
    state(): HostState {
      // app.activeDocument is null (or throws, in some versions) when no document is open.
      let doc: PsDocument | null = null;
      try {
        doc = app.documents.length > 0 ? app.activeDocument : null;
      } catch {
        doc = null;
      }
      if (!doc) return { document: null, activeLayers: [], selectionBounds: null };
      const activeLayers: LayerInfo[] = [...doc.activeLayers].map((l) => ({
        id: l.id,
        name: l.name,
        kind: String(l.kind),
        isBackground: l.isBackgroundLayer,
        bounds: toRect(l.boundsNoEffects),
      }));
      const sel = doc.selection.bounds;
      return {
        document: {
          id: doc.id,
          name: doc.name,
          width: doc.width,
          height: doc.height,
          mode: String(doc.mode),
          bitsPerChannel: bitsOf(String(doc.bitsPerChannel)),
        },
        activeLayers,
        selectionBounds: sel ? toRect(sel) : null,
      };
    },

    async executeAsModal<T>(commandName: string, body: (scope: ModalScope) => Promise<T>): Promise<T> {
      try {
        return await core.executeAsModal((ctx) => body(modalScope(ctx)), { commandName });
      } catch (e) {
        // Photoshop: "error.number == 9" when another plugin is modal.
        if ((e as { number?: unknown } | null)?.number === 9) throw messages.busy();
        throw e;
      }
    },

    async readLayerPixels(documentID, layerID, bitDepth): Promise<LayerPixels | null> {
      const layer = documentById(documentID).activeLayers.find((l) => l.id === layerID);
      const bounds = layer ? layer.boundsNoEffects : null;
      if (bounds && (bounds.right <= bounds.left || bounds.bottom <= bounds.top)) return null;
      const got = await imaging.getPixels({ documentID, layerID, componentSize: bitDepth, applyAlpha: false });
      const img = got.imageData;
      try {
        const rect = toRect(got.sourceBounds);
        if (rect.width <= 0 || rect.height <= 0) return null;
        if (img.colorSpace !== "RGB" || (img.components !== 3 && img.components !== 4)) {
          throw new PluginError("unsupported-mode", `Photoshop returned ${img.components}-component ${img.colorSpace} pixels, expected RGB.`);
        }
        // fullRange: Photoshop's native 16-bit range is 0..32768; the SDK uses 0..65535.
        const data = await img.getData({ chunky: true, fullRange: true });
        if (bitDepth === 8 && !(data.BYTES_PER_ELEMENT === 1)) throw new Error("expected 8-bit pixels from Photoshop");
        if (bitDepth === 16 && !(data.BYTES_PER_ELEMENT === 2)) throw new Error("expected 16-bit pixels from Photoshop");
        return { rect, components: img.components, bitDepth, data: data as Uint8Array | Uint16Array };
      } finally {
        img.dispose();
      }
    },

    async readSelection(documentID, rect): Promise<GreyPixels | null> {
      const doc = documentById(documentID);
      if (!doc.selection.bounds || rect.width <= 0 || rect.height <= 0) return null;
      const got = await imaging.getSelection({ documentID, sourceBounds: toBounds(rect) });
      const img = got.imageData;
      try {
        const raw = await img.getData({ chunky: true, fullRange: true });
        const r = toRect(got.sourceBounds);
        let data: Uint8Array;
        if (raw.BYTES_PER_ELEMENT === 1) data = raw as Uint8Array;
        else {
          data = new Uint8Array(raw.length);
          const scale = raw.BYTES_PER_ELEMENT === 2 ? 255 / 65535 : 255;
          for (let i = 0; i < raw.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(raw[i] * scale)));
        }
        return { rect: r, data };
      } finally {
        img.dispose();
      }
    },

    async createPixelLayerAbove(documentID, sourceLayerID, name): Promise<number> {
      const doc = documentById(documentID);
      const source = doc.activeLayers.find((l) => l.id === sourceLayerID);
      const layer = await doc.createPixelLayer({ name });
      if (!layer) throw new Error("Photoshop did not create the new layer");
      // New layers appear above the active one; say so explicitly in case the targeting changed.
      if (source) layer.move(source, "placeBefore");
      return layer.id;
    },

    async writeLayerPixels(documentID, layerID, pixels): Promise<void> {
      const img = await imaging.createImageDataFromBuffer(pixels.data, {
        width: pixels.rect.width,
        height: pixels.rect.height,
        components: pixels.components,
        colorSpace: "RGB",
        fullRange: pixels.bitDepth === 16,
      });
      try {
        await imaging.putPixels({ documentID, layerID, imageData: img, replace: true, targetBounds: pixels.rect });
      } finally {
        img.dispose();
      }
    },

    async writeLayerMask(documentID, layerID, mask): Promise<void> {
      const plane = onCanvas(documentById(documentID), mask);
      const img = await grey(plane);
      try {
        await imaging.putLayerMask({ documentID, layerID, kind: "user", imageData: img, replace: true, targetBounds: plane.rect });
      } finally {
        img.dispose();
      }
    },

    async addAlphaChannel(documentID, name, plane): Promise<void> {
      const doc = documentById(documentID);
      if (!plane.data.some((v) => v !== 0)) {
        // An empty selection cannot be saved: make the empty channel directly.
        doc.channels.add().name = name;
        return;
      }
      await putSelectionPlane(doc, plane);
      await doc.selection.save(name);
    },

    async setSelection(documentID, plane): Promise<void> {
      const doc = documentById(documentID);
      if (!plane) {
        if (doc.selection.bounds) await doc.selection.deselect();
        return;
      }
      await putSelectionPlane(doc, plane);
    },
  };
}

function modalScope(ctx: PsExecutionContext): ModalScope {
  const cancelCallbacks: (() => void)[] = [];
  ctx.onCancel = () => {
    for (const cb of cancelCallbacks) cb();
  };
  return {
    get isCancelled() {
      return ctx.isCancelled;
    },
    onCancel(cb) {
      cancelCallbacks.push(cb);
    },
    reportProgress(fraction, label) {
      ctx.reportProgress({ value: Math.max(0, Math.min(1, fraction)), commandName: label });
    },
    async suspendHistory(documentID, name): Promise<HistorySuspension> {
      return { token: await ctx.hostControl.suspendHistory({ documentID, name }) };
    },
    async resumeHistory(suspension, commit): Promise<void> {
      await ctx.hostControl.resumeHistory(suspension.token as never, commit);
    },
  };
}

function bitsOf(bitsPerChannel: string): number {
  const m = /(\d+)$/.exec(bitsPerChannel);
  return m ? Number(m[1]) : NaN;
}

function toRect(b: PsBounds | DocRect): DocRect {
  if ("right" in b) return { left: b.left, top: b.top, width: b.right - b.left, height: b.bottom - b.top };
  return { left: b.left, top: b.top, width: b.width, height: b.height };
}

function toBounds(r: DocRect): PsBounds {
  return { left: r.left, top: r.top, right: r.left + r.width, bottom: r.top + r.height };
}
