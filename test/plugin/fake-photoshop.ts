/**
 * An in-memory Photoshop for tests: documents, layers (pixels, user masks), selection, alpha channels and history,
 * behind the subset of the `photoshop`, `uxp` and `fs` modules that plugin/host uses, shaped like @types/photoshop.
 *
 * Behaviour copied from Photoshop where the plugin depends on it:
 * - imaging calls and document edits outside executeAsModal throw; a second modal at once throws { number: 9 };
 * - every edit outside a suspended history is its own history state; inside one, resumeHistory(commit) makes one
 *   state (none if nothing changed) and resumeHistory(false) rolls back; a modal that throws with a suspension
 *   still open rolls it back, one that returns commits it;
 * - after a cancel (requestCancel) every Photoshop call throws;
 * - getPixels returns RGB for the Background and RGBA for other layers, trimmed to where alpha > 0;
 *   16-bit values are 0..32768 unless fullRange;
 * - getData returns typed arrays of the plugin's realm (`realm`), as the real host does.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { imaging } from "photoshop/dom/ImagingModule";
import type {
  HostModules,
  PhotoshopModule,
  PsBounds,
  PsDocument,
  PsExecutionContext,
  PsLayer,
  PsSelection,
  UxpFs,
  UxpModule,
} from "../../plugin/host/photoshop-api.js";

export interface Realm {
  Uint8Array: Uint8ArrayConstructor;
  Uint16Array: Uint16ArrayConstructor;
  Float32Array: Float32ArrayConstructor;
  ArrayBuffer: ArrayBufferConstructor;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Layer pixels as tests give and read them: interleaved RGB(A); 16-bit values in the full 0..65535 range. */
export interface Raster {
  rect: Rect;
  components: 3 | 4;
  data: Uint8Array | Uint16Array;
}

export interface Plane {
  rect: Rect;
  data: Uint8Array;
}

export interface LayerInit {
  name: string;
  kind?: string;
  isBackground?: boolean;
  pixels?: Raster;
}

export interface DocumentInit {
  name?: string;
  width: number;
  height: number;
  mode?: string;
  bits?: 1 | 8 | 16 | 32;
  /** Top to bottom. */
  layers: LayerInit[];
  /** Indices into layers; default the first. */
  active?: number[];
  /** Selection as a document-size plane (0..255), or null. */
  selection?: Uint8Array | null;
}

interface LayerState {
  id: number;
  name: string;
  kind: string;
  isBackground: boolean;
  /** RGBA, always 4 components, document depth, 16-bit full range; null = no pixels. */
  pixels: { rect: Rect; data: Uint8Array | Uint16Array } | null;
  mask: Plane | null;
}

interface DocState {
  layers: LayerState[];
  activeIds: number[];
  selection: Uint8Array | null;
  channels: { name: string; data: Uint8Array }[];
}

interface Suspension {
  id: number;
  name: string;
  snapshot: DocState;
  dirty: boolean;
}

export class FakeDocumentState {
  readonly id: number;
  name: string;
  width: number;
  height: number;
  mode: string;
  bits: number;
  state: DocState;
  /** History panel: one entry per state. */
  history: string[] = ["Open"];
  suspension: Suspension | null = null;

  constructor(id: number, init: DocumentInit, private ps: FakePhotoshop) {
    this.id = id;
    this.name = init.name ?? `Untitled-${id}`;
    this.width = init.width;
    this.height = init.height;
    this.mode = init.mode ?? "RGBColorMode";
    this.bits = init.bits ?? 8;
    const layers = init.layers.map((l) => this.layerFrom(l));
    this.state = {
      layers,
      activeIds: (init.active ?? [0]).map((i) => layers[i].id),
      selection: init.selection ? init.selection.slice() : null,
      channels: [],
    };
  }

  private layerFrom(init: LayerInit): LayerState {
    let pixels: LayerState["pixels"] = null;
    if (init.pixels) {
      const { rect, components, data } = init.pixels;
      if (data.length !== rect.width * rect.height * components) throw new Error(`layer ${init.name}: pixel count mismatch`);
      const rgba = this.bits === 16 ? new Uint16Array(rect.width * rect.height * 4) : new Uint8Array(rect.width * rect.height * 4);
      const opaque = this.bits === 16 ? 65535 : 255;
      for (let i = 0, n = rect.width * rect.height; i < n; i++) {
        rgba[i * 4] = data[i * components];
        rgba[i * 4 + 1] = data[i * components + 1];
        rgba[i * 4 + 2] = data[i * components + 2];
        rgba[i * 4 + 3] = components === 4 ? data[i * 4 + 3] : opaque;
      }
      pixels = { rect: { ...rect }, data: rgba };
    }
    return { id: this.ps.nextId(), name: init.name, kind: init.kind ?? "pixel", isBackground: !!init.isBackground, pixels, mask: null };
  }

  /** Every edit goes through here: a history state of its own, or part of the suspended one. */
  edit(what: string): void {
    this.ps.assertModal(what);
    if (this.suspension) this.suspension.dirty = true;
    else this.history.push(what);
  }

  layer(id: number): LayerState {
    const l = this.state.layers.find((x) => x.id === id);
    if (!l) throw new Error(`no layer with id ${id}`);
    return l;
  }

  /** Bounds of a layer's pixels with alpha > 0 (Photoshop's boundsNoEffects). */
  contentBounds(l: LayerState): Rect {
    if (l.isBackground) return { left: 0, top: 0, width: this.width, height: this.height };
    if (!l.pixels) return { left: 0, top: 0, width: 0, height: 0 };
    const { rect, data } = l.pixels;
    let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width; x++) {
        if (data[(y * rect.width + x) * 4 + 3] > 0) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          y1 = y;
        }
      }
    }
    if (x1 < 0) return { left: 0, top: 0, width: 0, height: 0 };
    return { left: rect.left + x0, top: rect.top + y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  }
}

/**
 * Runs row(0) ... row(rows - 1), handing the thread back every few milliseconds. Photoshop's imaging calls do
 * their pixel work natively, off the panel's JavaScript thread; the fake's loops must not count as the panel's
 * freezes in the freeze measurements (test/plugin/bench.ts, plugin-bundle.test.ts).
 */
async function offPanelThread(rows: number, row: (y: number) => void): Promise<void> {
  let t = Date.now();
  for (let y = 0; y < rows; y++) {
    row(y);
    if (Date.now() - t >= 5) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      t = Date.now();
    }
  }
}

function cloneState(s: DocState): DocState {
  return {
    layers: s.layers.map((l) => ({
      ...l,
      pixels: l.pixels ? { rect: { ...l.pixels.rect }, data: l.pixels.data.slice() } : null,
      mask: l.mask ? { rect: { ...l.mask.rect }, data: l.mask.data.slice() } : null,
    })),
    activeIds: [...s.activeIds],
    selection: s.selection ? s.selection.slice() : null,
    channels: s.channels.map((c) => ({ name: c.name, data: c.data.slice() })),
  };
}

const toBounds = (r: Rect): PsBounds => ({ left: r.left, top: r.top, right: r.left + r.width, bottom: r.top + r.height });
const toRect = (b: { left: number; top: number; right?: number; bottom?: number; width?: number; height?: number }): Rect => ({
  left: b.left,
  top: b.top,
  width: b.width ?? (b.right as number) - b.left,
  height: b.height ?? (b.bottom as number) - b.top,
});

/** PhotoshopImageData over a realm-local typed array. */
class FakeImageData implements imaging.PhotoshopImageData {
  type = "image/uncompressed" as const;
  chunky = true;
  colorProfile: string;
  disposed = false;
  constructor(
    private owner: FakePhotoshop,
    /** Chunky; 16-bit values in the full range. */
    private values: Uint8Array | Uint16Array | Float32Array,
    public width: number,
    public height: number,
    public components: number,
    public colorSpace: imaging.ColorSpace,
    public componentSize: 8 | 16 | 32,
    colorProfile?: string,
  ) {
    this.colorProfile = colorProfile ?? (colorSpace === "Grayscale" ? "Gray Gamma 2.2" : "sRGB IEC61966-2.1");
    owner.liveImageData.add(this);
  }
  get hasAlpha(): boolean {
    return this.components === 2 || this.components === 4;
  }
  get pixelFormat(): imaging.PixelFormat {
    const base = this.colorSpace === "Grayscale" ? "Grayscale" : this.colorSpace === "Lab" ? "LAB" : "RGB";
    if (!this.hasAlpha) return base;
    return base === "RGB" ? "RGBA" : base === "LAB" ? "LABAlpha" : "GrayscaleAlpha";
  }
  /** The data in the full range (tests and the fake itself). */
  raw(): Uint8Array | Uint16Array | Float32Array {
    if (this.disposed) throw new Error("PhotoshopImageData used after dispose()");
    return this.values;
  }
  getData = async (options: imaging.GetDataOptions = {}): Promise<Uint8Array | Uint16Array | Float32Array> => {
    this.owner.assertAlive("getData");
    const v = this.raw();
    if (options.chunky === false) throw new Error("fake Photoshop: planar getData is not implemented");
    const R = this.owner.realm;
    if (this.componentSize === 8) return new R.Uint8Array(v);
    if (this.componentSize === 32) return new R.Float32Array(v);
    const out = new R.Uint16Array(v.length);
    if (options.fullRange) out.set(v);
    else for (let i = 0; i < v.length; i++) out[i] = Math.round((v[i] * 32768) / 65535);
    return out;
  };
  dispose = async (): Promise<void> => {
    this.disposed = true;
    this.owner.liveImageData.delete(this);
  };
}

export class FakePhotoshop {
  realm: Realm;
  docs: FakeDocumentState[] = [];
  activeDoc: FakeDocumentState | null = null;
  modal: { commandName: string; cancelled: boolean; ctx: PsExecutionContext } | null = null;
  /** Every reportProgress call. */
  progress: { value?: number; commandName?: string }[] = [];
  liveImageData = new Set<FakeImageData>();
  /** Called at every Photoshop call made inside a modal (tests use it to cancel at a chosen point). */
  onCall: ((what: string) => void) | null = null;
  /** Module ids the plugin required. */
  required: string[] = [];
  uxpSetup: Parameters<UxpModule["entrypoints"]["setup"]>[0] | null = null;
  /** plugin:/ paths that fs.readFile reports as missing. */
  missingFiles = new Set<string>();
  /** Another plugin holds the modal state: executeAsModal fails with error number 9. */
  otherPluginModal = false;
  private ids = 100;

  constructor(options: { realm?: Realm; pluginDir?: string } = {}) {
    this.realm = options.realm ?? { Uint8Array, Uint16Array, Float32Array, ArrayBuffer };
    this.pluginDir = options.pluginDir ?? null;
  }
  pluginDir: string | null;

  nextId(): number {
    return ++this.ids;
  }

  open(init: DocumentInit): FakeDocumentState {
    const doc = new FakeDocumentState(this.nextId(), init, this);
    this.docs.push(doc);
    this.activeDoc = doc;
    return doc;
  }

  /** Photoshop's own cancel (Esc, the progress bar's button). */
  requestCancel(): void {
    if (!this.modal) throw new Error("nothing to cancel: no modal command is running");
    this.modal.cancelled = true;
    this.modal.ctx.onCancel?.({ reason: "user" });
  }

  assertModal(what: string): void {
    if (!this.modal) throw new Error(`${what}: this call needs executeAsModal (fake Photoshop)`);
    this.assertAlive(what);
  }

  assertAlive(what: string): void {
    if (this.modal?.cancelled) throw new Error(`${what}: the modal command was cancelled`);
    if (this.modal) this.onCall?.(what);
  }

  private doc(id?: number): FakeDocumentState {
    const d = id === undefined || id < 0 ? this.activeDoc : this.docs.find((x) => x.id === id);
    if (!d) throw new Error(`no document with id ${id}`);
    return d;
  }

  // --- the `photoshop` module ----------------------------------------------------------------------------
  readonly photoshop: PhotoshopModule = (() => {
    const self = this;
    const app: PhotoshopModule["app"] = {
      get activeDocument() {
        return self.activeDoc ? self.documentDom(self.activeDoc) : null;
      },
      get documents() {
        return { length: self.docs.length };
      },
    };
    const core: PhotoshopModule["core"] = {
      async executeAsModal<T>(fn: (ctx: PsExecutionContext, descriptor?: object) => Promise<T>, options: { commandName: string }): Promise<T> {
        if (!options?.commandName) throw new Error("executeAsModal: commandName is required");
        if (self.modal || self.otherPluginModal) {
          throw Object.assign(new Error("host is in a modal state"), { number: 9 });
        }
        const ctx: PsExecutionContext = {
          get isCancelled() {
            return self.modal?.cancelled ?? false;
          },
          onCancel: undefined,
          reportProgress: (p) => {
            self.progress.push({ ...p });
          },
          hostControl: {
            suspendHistory: async ({ documentID, name }) => {
              self.assertAlive("suspendHistory");
              const d = self.doc(documentID);
              if (d.suspension) throw new Error("history is already suspended");
              d.suspension = { id: self.nextId(), name, snapshot: cloneState(d.state), dirty: false };
              return { historySuspensionID: d.suspension.id };
            },
            resumeHistory: async (suspension: never, commit = true) => {
              self.assertAlive("resumeHistory");
              const id = (suspension as { historySuspensionID?: number }).historySuspensionID ?? (suspension as number);
              const d = self.docs.find((x) => x.suspension?.id === id);
              if (!d) throw new Error(`no suspended history with id ${id}`);
              self.endSuspension(d, commit);
            },
          },
        };
        self.modal = { commandName: options.commandName, cancelled: false, ctx };
        let ok = false;
        try {
          const out = await fn(ctx);
          ok = true;
          return out;
        } finally {
          for (const d of self.docs) if (d.suspension) self.endSuspension(d, ok && !self.modal?.cancelled);
          self.modal = null;
        }
      },
    };
    const imagingApi: PhotoshopModule["imaging"] = {
      getPixels: async (o) => {
        self.assertModal("getPixels");
        const d = self.doc(o.documentID);
        if (o.layerID === undefined) throw new Error("fake Photoshop: composite getPixels is not implemented");
        const l = d.layer(o.layerID);
        if (l.kind !== "pixel") throw new Error(`getPixels: layer ${l.name} is not a pixel layer`);
        if (d.bits === 32 || d.mode !== "RGBColorMode") throw new Error("fake Photoshop: getPixels supports 8/16-bit RGB");
        let rect = d.contentBounds(l);
        if (o.sourceBounds) rect = intersect(rect, toRect(o.sourceBounds)) ?? { left: 0, top: 0, width: 0, height: 0 };
        const size = o.componentSize === undefined || o.componentSize === -1 ? d.bits : o.componentSize;
        if (size !== d.bits) throw new Error("fake Photoshop: getPixels depth conversion is not implemented");
        const comps = l.isBackground ? 3 : 4;
        const out = d.bits === 16 ? new Uint16Array(rect.width * rect.height * comps) : new Uint8Array(rect.width * rect.height * comps);
        const src = l.pixels;
        if (src) {
          await offPanelThread(rect.height, (y) => {
            for (let x = 0; x < rect.width; x++) {
              const sx = rect.left + x - src.rect.left, sy = rect.top + y - src.rect.top;
              if (sx < 0 || sy < 0 || sx >= src.rect.width || sy >= src.rect.height) continue;
              const si = (sy * src.rect.width + sx) * 4, di = (y * rect.width + x) * comps;
              for (let c = 0; c < comps; c++) out[di + c] = src.data[si + c];
            }
          });
        }
        return {
          imageData: new FakeImageData(self, out, rect.width, rect.height, comps, "RGB", d.bits as 8 | 16),
          sourceBounds: toBounds(rect),
          level: 0,
        };
      },
      putPixels: async (o) => {
        const d = self.doc(o.documentID);
        const l = d.layer(o.layerID);
        d.edit("putPixels");
        if (l.kind !== "pixel") throw new Error(`putPixels: layer ${l.name} is not a pixel layer`);
        const img = o.imageData as FakeImageData;
        if (img.colorSpace !== "RGB") throw new Error("putPixels: image data must be RGB in an RGB document");
        if (img.componentSize !== d.bits) throw new Error("fake Photoshop: putPixels depth conversion is not implemented");
        if (o.replace === false) throw new Error("fake Photoshop: putPixels with replace: false is not implemented");
        const left = o.targetBounds?.left ?? 0, top = o.targetBounds?.top ?? 0;
        const v = img.raw();
        const n = img.width * img.height;
        const rgba = d.bits === 16 ? new Uint16Array(n * 4) : new Uint8Array(n * 4);
        const opaque = d.bits === 16 ? 65535 : 255;
        await offPanelThread(img.height, (y) => {
          for (let i = y * img.width; i < (y + 1) * img.width; i++) {
            for (let c = 0; c < 3; c++) rgba[i * 4 + c] = v[i * img.components + c];
            rgba[i * 4 + 3] = img.components === 4 ? v[i * 4 + 3] : opaque;
          }
        });
        l.pixels = { rect: { left, top, width: img.width, height: img.height }, data: rgba };
      },
      putLayerMask: async (o) => {
        const d = self.doc(o.documentID);
        const l = d.layer(o.layerID);
        d.edit("putLayerMask");
        if (l.isBackground) throw new Error("Cannot add Layer Mask to Background layer.");
        const img = o.imageData as FakeImageData;
        if (img.components !== 1 || img.colorSpace !== "Grayscale") throw new Error("putLayerMask: image data must be 1-component Grayscale");
        l.mask = { rect: { left: o.targetBounds?.left ?? 0, top: o.targetBounds?.top ?? 0, width: img.width, height: img.height }, data: to8(img) };
      },
      getSelection: async (o) => {
        self.assertModal("getSelection");
        const d = self.doc(o.documentID);
        const canvas = { left: 0, top: 0, width: d.width, height: d.height };
        const rect = o.sourceBounds ? intersect(canvas, toRect(o.sourceBounds)) ?? { ...canvas, width: 0, height: 0 } : canvas;
        const plane = new Uint8Array(rect.width * rect.height);
        if (d.state.selection) {
          for (let y = 0; y < rect.height; y++) {
            plane.set(d.state.selection.subarray((rect.top + y) * d.width + rect.left, (rect.top + y) * d.width + rect.left + rect.width), y * rect.width);
          }
        }
        // 16-bit documents hand the selection back at 16 bits, like their pixels.
        const values = d.bits === 16 ? Uint16Array.from(plane, (v) => v * 257) : plane;
        return { imageData: new FakeImageData(self, values, rect.width, rect.height, 1, "Grayscale", d.bits === 16 ? 16 : 8), sourceBounds: toBounds(rect) };
      },
      putSelection: async (o) => {
        const d = self.doc(o.documentID);
        d.edit("putSelection");
        const img = o.imageData as FakeImageData;
        if (img.components !== 1 || img.colorSpace !== "Grayscale") throw new Error("putSelection: image data must be 1-component Grayscale");
        const sel = o.replace === false && d.state.selection ? d.state.selection : new Uint8Array(d.width * d.height);
        const v = to8(img);
        const left = o.targetBounds?.left ?? 0, top = o.targetBounds?.top ?? 0;
        await offPanelThread(img.height, (y) => {
          const dy = top + y;
          if (dy < 0 || dy >= d.height) return;
          for (let x = 0; x < img.width; x++) {
            const dx = left + x;
            if (dx < 0 || dx >= d.width) continue;
            sel[dy * d.width + dx] = o.replace === false ? Math.max(sel[dy * d.width + dx], v[y * img.width + x]) : v[y * img.width + x];
          }
        });
        d.state.selection = sel.some((x) => x > 0) ? sel : null;
      },
      createImageDataFromBuffer: async (array, o) => {
        self.assertAlive("createImageDataFromBuffer");
        if (array.length !== o.width * o.height * o.components) {
          throw new Error(`createImageDataFromBuffer: ${array.length} values for ${o.width}x${o.height}x${o.components}`);
        }
        if (o.colorSpace !== "RGB" && o.colorSpace !== "Grayscale" && o.colorSpace !== "Lab") throw new Error(`unknown colorSpace ${o.colorSpace}`);
        const size = array.BYTES_PER_ELEMENT === 1 ? 8 : array.BYTES_PER_ELEMENT === 2 ? 16 : 32;
        let values: Uint8Array | Uint16Array | Float32Array = array.slice();
        if (size === 16 && !o.fullRange) values = Uint16Array.from(array, (v) => Math.min(65535, Math.round((v * 65535) / 32768)));
        return new FakeImageData(self, values, o.width, o.height, o.components, o.colorSpace as imaging.ColorSpace, size, o.colorProfile);
      },
    };
    return { app, core, imaging: imagingApi };
  })();

  private endSuspension(d: FakeDocumentState, commit: boolean): void {
    const s = d.suspension!;
    d.suspension = null;
    if (!commit) d.state = s.snapshot;
    else if (s.dirty) d.history.push(s.name);
  }

  private layerDom(d: FakeDocumentState, l: LayerState): PsLayer {
    return {
      id: l.id,
      name: l.name,
      kind: l.kind,
      isBackgroundLayer: l.isBackground,
      get boundsNoEffects() {
        return toBounds(d.contentBounds(d.layer(l.id)));
      },
      move(rel, placement) {
        d.edit("move");
        const layers = d.state.layers;
        const me = layers.findIndex((x) => x.id === l.id);
        const [moved] = layers.splice(me, 1);
        const at = layers.findIndex((x) => x.id === rel.id);
        if (at < 0) throw new Error("move: relative layer not found");
        if (placement === "placeBefore") layers.splice(at, 0, moved);
        else if (placement === "placeAfter") layers.splice(at + 1, 0, moved);
        else throw new Error(`fake Photoshop: move ${placement} is not implemented`);
      },
    };
  }

  private documentDom(d: FakeDocumentState): PsDocument {
    const self = this;
    const selection: PsSelection = {
      get bounds() {
        const s = d.state.selection;
        if (!s) return null;
        let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
        for (let y = 0; y < d.height; y++) {
          for (let x = 0; x < d.width; x++) {
            if (s[y * d.width + x]) {
              if (x < x0) x0 = x;
              if (x > x1) x1 = x;
              if (y < y0) y0 = y;
              y1 = y;
            }
          }
        }
        return x1 < 0 ? null : { left: x0, top: y0, right: x1 + 1, bottom: y1 + 1 };
      },
      async save(name?: string) {
        d.edit("Save Selection");
        if (!d.state.selection) throw new Error("save: there is no selection");
        d.state.channels.push({ name: name ?? `Alpha ${d.state.channels.length + 1}`, data: d.state.selection.slice() });
      },
      async deselect() {
        d.edit("Deselect");
        d.state.selection = null;
      },
    };
    return {
      id: d.id,
      name: d.name,
      width: d.width,
      height: d.height,
      mode: d.mode,
      bitsPerChannel: `bitDepth${d.bits}`,
      get activeLayers() {
        return d.state.activeIds.map((id) => self.layerDom(d, d.layer(id)));
      },
      selection,
      channels: {
        add() {
          d.edit("New Channel");
          const channel = { name: `Alpha ${d.state.channels.length + 1}`, data: new Uint8Array(d.width * d.height) };
          d.state.channels.push(channel);
          return {
            get name() {
              return channel.name;
            },
            set name(v: string) {
              d.edit("Channel Options");
              channel.name = v;
            },
          };
        },
      },
      async createPixelLayer(options?: { name?: string }) {
        d.edit("New Layer");
        const layers = d.state.layers;
        // Above the topmost active layer, or at the top when none is active.
        const active = d.state.activeIds.map((id) => layers.findIndex((x) => x.id === id)).filter((i) => i >= 0);
        const l: LayerState = { id: self.nextId(), name: options?.name ?? "Layer", kind: "pixel", isBackground: false, pixels: null, mask: null };
        layers.splice(active.length ? Math.min(...active) : 0, 0, l);
        d.state.activeIds = [l.id];
        return self.layerDom(d, l);
      },
    };
  }

  // --- `uxp` and `fs` -------------------------------------------------------------------------------------
  readonly uxp: UxpModule = {
    entrypoints: {
      setup: (config) => {
        if (this.uxpSetup) throw new Error("entrypoints.setup can only be called once");
        this.uxpSetup = config;
      },
    },
  };

  readonly fs: UxpFs = {
    readFile: (async (path: string, options?: { encoding?: string }) => {
      if (!path.startsWith("plugin:/")) throw new Error(`fake fs: only plugin:/ paths are served, not ${path}`);
      if (!this.pluginDir) throw new Error("fake fs: no plugin folder");
      if (this.missingFiles.has(path)) throw new Error(`ENOENT: no such file or directory, ${path}`);
      const bytes = await readFile(join(this.pluginDir, path.slice("plugin:/".length)));
      if (options?.encoding) return bytes.toString("utf8");
      const buf = new this.realm.ArrayBuffer(bytes.length);
      new this.realm.Uint8Array(buf).set(bytes);
      return buf;
    }) as UxpFs["readFile"],
  };

  get modules(): HostModules {
    return { photoshop: this.photoshop, uxp: this.uxp, fs: this.fs };
  }

  /** UXP's `require`: only the modules the plugin may use exist. */
  require = (id: string): unknown => {
    this.required.push(id);
    if (id === "photoshop") return this.photoshop;
    if (id === "uxp") return this.uxp;
    if (id === "fs") return this.fs;
    throw new Error(`Cannot find module '${id}' (fake UXP serves photoshop, uxp, fs)`);
  };

  // --- inspection helpers for tests -----------------------------------------------------------------------

  /** A deep copy of everything the plugin could change, for before/after comparisons. */
  snapshot(doc: FakeDocumentState): { history: string[]; state: DocState } {
    return { history: [...doc.history], state: cloneState(doc.state) };
  }

  layerPixels(doc: FakeDocumentState, id: number): { rect: Rect; data: Uint8Array | Uint16Array } | null {
    return doc.layer(id).pixels;
  }

  /**
   * The flattened document (RGB, document depth, 16-bit full range): layers composited bottom-up with normal
   * blending, each pixel's alpha times its user mask (255 outside the mask's rectangle, as "Reveal All").
   */
  composite(doc: FakeDocumentState): Float64Array {
    const { width, height } = doc;
    const out = new Float64Array(width * height * 3);
    for (const l of [...doc.state.layers].reverse()) {
      if (!l.pixels) continue;
      const { rect, data } = l.pixels;
      const max = doc.bits === 16 ? 65535 : 255;
      for (let y = 0; y < rect.height; y++) {
        const dy = rect.top + y;
        if (dy < 0 || dy >= height) continue;
        for (let x = 0; x < rect.width; x++) {
          const dx = rect.left + x;
          if (dx < 0 || dx >= width) continue;
          const si = (y * rect.width + x) * 4;
          let a = data[si + 3] / max;
          if (l.mask) {
            const m = l.mask;
            const mx = dx - m.rect.left, my = dy - m.rect.top;
            if (mx >= 0 && my >= 0 && mx < m.rect.width && my < m.rect.height) a *= m.data[my * m.rect.width + mx] / 255;
          }
          if (a === 0) continue;
          const di = (dy * width + dx) * 3;
          for (let c = 0; c < 3; c++) out[di + c] = a === 1 ? data[si + c] : data[si + c] * a + out[di + c] * (1 - a);
        }
      }
    }
    return out;
  }
}

function intersect(a: Rect, b: Rect): Rect | null {
  const left = Math.max(a.left, b.left), top = Math.max(a.top, b.top);
  const right = Math.min(a.left + a.width, b.left + b.width), bottom = Math.min(a.top + a.height, b.top + b.height);
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}

function to8(img: FakeImageData): Uint8Array {
  const v = img.raw();
  if (img.componentSize === 8) return new Uint8Array(v);
  if (img.componentSize === 16) return Uint8Array.from(v, (x) => Math.round(x / 257));
  return Uint8Array.from(v, (x) => Math.round(Math.max(0, Math.min(1, x)) * 255));
}
