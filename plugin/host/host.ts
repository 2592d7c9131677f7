/**
 * What the plugin needs from Photoshop, in plain types. restore-layer.ts works against this interface only;
 * photoshop-host.ts implements it over the `photoshop` module (the real one, or the fake in test/plugin).
 */

/** Pixel rectangle in document coordinates. */
export interface DocRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface DocumentInfo {
  id: number;
  name: string;
  width: number;
  height: number;
  /** Photoshop's DocumentMode string: "RGBColorMode", "CMYKColorMode", "labColorMode", ... */
  mode: string;
  /** 1, 8, 16 or 32 */
  bitsPerChannel: number;
}

export interface LayerInfo {
  id: number;
  name: string;
  /** Photoshop's LayerKind string: "pixel", "group", "text", "smartObject", "curves", ... */
  kind: string;
  isBackground: boolean;
  bounds: DocRect;
}

export interface HostState {
  document: DocumentInfo | null;
  activeLayers: LayerInfo[];
  /** Bounds of the selection, null when nothing is selected. */
  selectionBounds: DocRect | null;
}

/** Layer pixels: interleaved RGB or RGBA; 16-bit values use the full 0..65535 range. */
export interface LayerPixels {
  rect: DocRect;
  components: 3 | 4;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

/** 8-bit grey plane (selection, layer mask, alpha channel): 0 = off, 255 = on. */
export interface GreyPixels {
  rect: DocRect;
  data: Uint8Array;
}

/** The running modal command: progress, cancel, and history suspension. */
export interface ModalScope {
  /** True once the user cancelled through Photoshop (Esc, the progress bar, Plugins › Cancel). */
  readonly isCancelled: boolean;
  onCancel(callback: () => void): void;
  reportProgress(fraction: number, label: string): void;
  suspendHistory(documentID: number, name: string): Promise<HistorySuspension>;
  /** commit = false rolls back everything done since suspendHistory. */
  resumeHistory(suspension: HistorySuspension, commit: boolean): Promise<void>;
}

export interface HistorySuspension {
  readonly token: unknown;
}

export interface PhotoshopHost {
  state(): HostState;
  /** Runs body as one modal command; throws PluginError "busy" when another plugin holds the modal state. */
  executeAsModal<T>(commandName: string, body: (scope: ModalScope) => Promise<T>): Promise<T>;
  /** The layer's own pixels (not the composite), trimmed to where it has any; null when it has none. */
  readLayerPixels(documentID: number, layerID: number, bitDepth: 8 | 16): Promise<LayerPixels | null>;
  /** The selection inside rect; null when nothing is selected there. */
  readSelection(documentID: number, rect: DocRect): Promise<GreyPixels | null>;
  /** A new empty pixel layer directly above the source layer; returns its id. */
  createPixelLayerAbove(documentID: number, sourceLayerID: number, name: string): Promise<number>;
  writeLayerPixels(documentID: number, layerID: number, pixels: LayerPixels): Promise<void>;
  /** Creates or replaces the layer's user mask; outside mask.rect the mask hides. */
  writeLayerMask(documentID: number, layerID: number, mask: GreyPixels): Promise<void>;
  /** Saves plane as a new alpha channel named name. Changes the selection: restore it with setSelection. */
  addAlphaChannel(documentID: number, name: string, plane: GreyPixels): Promise<void>;
  /** Replaces the selection with plane, or deselects when plane is null. */
  setSelection(documentID: number, plane: GreyPixels | null): Promise<void>;
}
