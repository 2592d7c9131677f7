/**
 * The part of the `photoshop`, `uxp` and `fs` modules that the host adapter uses, written out so that the fake
 * Photoshop in test/plugin implements exactly this. The shapes are those of @types/photoshop 25.0.4; the
 * assignability check at the bottom fails to compile if the real typings stop fitting.
 */
import type { imaging } from "photoshop/dom/ImagingModule";
import type { ExecuteAsModalOptions, HistoryStateInfo, ReportProgressOptions } from "photoshop/dom/CoreModules";

export type PsBounds = { left: number; top: number; right: number; bottom: number };
export type PsImageData = imaging.PhotoshopImageData;

export interface PsLayer {
  readonly id: number;
  readonly name: string;
  /** Constants.LayerKind: "pixel", "group", "text", "smartObject", "curves", ... */
  readonly kind: string;
  readonly isBackgroundLayer: boolean;
  readonly boundsNoEffects: PsBounds;
  move(relativeObject: PsLayer, insertLocation: "placeBefore" | "placeAfter" | "placeAtBeginning" | "placeAtEnd" | "placeInside"): void;
}

export interface PsSelection {
  readonly bounds: PsBounds | null;
  save(channelName?: string): Promise<void>;
  deselect(): Promise<void>;
}

export interface PsDocument {
  readonly id: number;
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Constants.DocumentMode: "RGBColorMode", "CMYKColorMode", ... */
  readonly mode: string;
  /** Constants.BitsPerChannelType: "bitDepth8", "bitDepth16", "bitDepth32", "bitDepth1" */
  readonly bitsPerChannel: string;
  readonly activeLayers: ReadonlyArray<PsLayer>;
  readonly selection: PsSelection;
  /** Alpha channels; add() makes an empty (black) one. */
  readonly channels: { add(): { name: string } };
  createPixelLayer(options?: { name?: string }): Promise<PsLayer | null>;
}

export interface PsExecutionContext {
  readonly isCancelled: boolean;
  onCancel: undefined | ((e?: { reason: string }) => void);
  reportProgress: (params: ReportProgressOptions) => void;
  hostControl: {
    // The typings say HistorySuspension; Adobe's samples pass the value straight back. We treat it as opaque.
    suspendHistory: (params: HistoryStateInfo) => Promise<unknown>;
    resumeHistory: (params: never, commit?: boolean) => Promise<void>;
  };
}

export interface PhotoshopModule {
  app: { readonly activeDocument: PsDocument | null; readonly documents: { readonly length: number } };
  core: {
    executeAsModal<T>(
      targetFunction: (executionContext: PsExecutionContext, descriptor?: object) => Promise<T>,
      options: ExecuteAsModalOptions,
    ): Promise<T>;
  };
  imaging: Pick<
    typeof imaging,
    "getPixels" | "putPixels" | "putLayerMask" | "getSelection" | "putSelection" | "createImageDataFromBuffer"
  >;
}

/** The bit of `require("uxp")` the plugin uses. */
export interface UxpModule {
  entrypoints: {
    setup(config: {
      plugin?: { create?(): void; destroy?(): Promise<void> | void };
      panels?: Record<string, { create?(root?: unknown): void; show?(root?: unknown): void; hide?(): void; destroy?(): void }>;
    }): void;
  };
}

/** The bit of UXP's `require("fs")` the plugin uses: binary reads of plugin:/ paths. */
export interface UxpFs {
  readFile(path: string): Promise<ArrayBuffer>;
  readFile(path: string, options: { encoding: "utf-8" }): Promise<string>;
}

export interface HostModules {
  photoshop: PhotoshopModule;
  uxp: UxpModule;
  fs: UxpFs;
}

// Compile-time proof that the real Photoshop module fits the subset the adapter and the fake share.
type RealPhotoshop = typeof import("photoshop");
type Fits<Real, Subset> = Real extends Subset ? true : false;
const realFitsApp: Fits<RealPhotoshop["app"]["activeDocument"], PsDocument | null> = true;
const realFitsImaging: Fits<RealPhotoshop["imaging"], PhotoshopModule["imaging"]> = true;
void realFitsApp;
void realFitsImaging;
