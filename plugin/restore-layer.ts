/**
 * One click: the active layer's faces restored onto a new masked layer, with eye and mouth channels, as one
 * history step. Plain TypeScript over PhotoshopHost, so it runs against the fake Photoshop in tests.
 */
import type { Mask } from "../core/image/types.js";
import type { Engine } from "../core/models/engine.js";
import { restoreFaces } from "../core/pipeline.js";
import { cooperativeEngine, now, PANEL_COOPERATION, type ModelCallRecord } from "./cooperative-engine.js";
import { isAbortError, messages, PluginError, toPluginError } from "./errors.js";
import type { DocRect, DocumentInfo, HostState, LayerInfo, LayerPixels, PhotoshopHost } from "./host/host.js";
import { cropPixels, intersectMasks, intersectRects, layerImage, maskToPlane, planeToMask, solid, unionMasks } from "./raster.js";

export const RESULT_LAYER_NAME = "Restored faces";
export const HISTORY_NAME = "Restore faces";
export const EYES_CHANNEL = "Eyes";
export const MOUTH_CHANNEL = "Mouth";

export interface RestoreLayerOptions {
  /** 0..1: how much of the restored face replaces the original. */
  strength: number;
  /** 0..1: 0 leans on the learned face prior (quality), 1 on the input (fidelity). */
  fidelity: number;
  onlyInSelection: boolean;
  addMasks: boolean;
}

export interface RestoreProgress {
  label: string;
  /** 0..1 over the whole command. */
  fraction: number;
}

export interface RestoreUi {
  progress(p: RestoreProgress): void;
  /** Aborted by the panel's Cancel button. */
  signal?: AbortSignal;
}

export interface RestoreOutcome {
  faces: number;
  skipped: number;
  /** From the click to the new layer, seconds. */
  seconds: number;
  layerId: number;
  /** The restored faces' boxes, document coordinates. */
  faceBoxes: DocRect[];
  summary: string;
  modelCalls: ModelCallRecord[];
  /** Session creations this click made (the first click creates each model's; later clicks reuse them). */
  modelLoads: ModelCallRecord[];
  timings: Record<string, number>;
}

/** An engine, or a function that makes one on first use (loading the wasm and checking SIMD). */
export type EngineSource = Engine | (() => Promise<Engine>);

/** The refusals that need no pixels: checked before anything touches the document. */
export function checkState(state: HostState, options: Pick<RestoreLayerOptions, "onlyInSelection">): {
  document: DocumentInfo;
  layer: LayerInfo;
} {
  const doc = state.document;
  if (!doc) throw messages.noDocument();
  if (doc.mode !== "RGBColorMode") throw messages.unsupportedMode(doc.mode);
  if (doc.bitsPerChannel !== 8 && doc.bitsPerChannel !== 16) throw messages.unsupportedDepth(doc.bitsPerChannel);
  if (state.activeLayers.length === 0) throw messages.noLayer();
  if (state.activeLayers.length > 1) throw messages.severalLayers(state.activeLayers.length);
  const layer = state.activeLayers[0];
  if (layer.kind !== "pixel") throw messages.notPixelLayer(layer.name, layer.kind);
  if (layer.bounds.width <= 0 || layer.bounds.height <= 0) throw messages.emptyLayer(layer.name);
  if (options.onlyInSelection) {
    if (!state.selectionBounds) throw messages.emptySelection(false);
    if (!intersectRects(state.selectionBounds, layer.bounds)) throw messages.emptySelection(true);
  }
  return { document: doc, layer };
}

export async function restoreActiveLayer(
  host: PhotoshopHost,
  engineSource: EngineSource,
  options: RestoreLayerOptions,
  ui: RestoreUi,
): Promise<RestoreOutcome> {
  const started = now();
  const state = host.state();
  const { document: doc, layer } = checkState(state, options);
  const userCancelled = () => ui.signal?.aborted === true;
  let photoshopCancelled = false;
  const report = (label: string, fraction: number) => ui.progress({ label, fraction });

  try {
    report("Loading the engine", 0.01);
    const engine = typeof engineSource === "function" ? await engineSource() : engineSource;
    if (userCancelled()) throw messages.cancelled();

    return await host.executeAsModal(HISTORY_NAME, async (scope) => {
      const cancelled = () => userCancelled() || scope.isCancelled;
      scope.onCancel(() => (photoshopCancelled = true));
      const progress = (label: string, fraction: number) => {
        report(label, fraction);
        scope.reportProgress(fraction, label);
      };
      const suspension = await scope.suspendHistory(doc.id, HISTORY_NAME);
      try {
        const outcome = await restoreInScope();
        await scope.resumeHistory(suspension, true);
        return outcome;
      } catch (e) {
        // After a Photoshop cancel its calls throw; leaving the modal with an exception rolls back as well.
        await scope.resumeHistory(suspension, false).catch(() => undefined);
        throw e;
      }

      async function restoreInScope(): Promise<RestoreOutcome> {
        progress("Reading the layer", 0.03);
        // The user's selection: the region to restore, and what to put back after the alpha channels (which are
        // written through the selection).
        const needSelection = options.onlyInSelection || options.addMasks;
        const userSelection = needSelection && state.selectionBounds ? await host.readSelection(doc.id, state.selectionBounds) : null;
        const pixels = await host.readLayerPixels(doc.id, layer.id, doc.bitsPerChannel as 8 | 16);
        if (!pixels) throw messages.emptyLayer(layer.name);
        let region: Mask | undefined;
        if (options.onlyInSelection) {
          // Clipped to the layer's pixels; a selection that only covers transparent parts counts as empty.
          const inLayer = userSelection
            ? unionMasks([planeToMask(userSelection, pixels.rect)], pixels.rect.width, pixels.rect.height)
            : null;
          if (!inLayer) throw messages.emptySelection(true);
          region = inLayer;
        }
        if (cancelled()) throw messages.cancelled();

        const controller = new AbortController();
        const abortIfCancelled = () => {
          if (cancelled() && !controller.signal.aborted) controller.abort();
          return controller.signal.aborted;
        };
        const calls: ModelCallRecord[] = [];
        const loads: ModelCallRecord[] = [];
        // The SDK numbers faces in detection order; the panel counts the ones being restored: 1, 2, ... of n.
        const ordinal = new Map<number, number>();
        const label = (p: { stage: string; face?: number; faces?: number }) => {
          if (p.face === undefined || !p.faces) return stageLabel(p.stage);
          if (!ordinal.has(p.face)) ordinal.set(p.face, ordinal.size + 1);
          return stageLabel(p.stage, ordinal.get(p.face), p.faces);
        };
        const cooperative = cooperativeEngine(engine, abortIfCancelled, (c) => calls.push(c), (l) => loads.push(l));
        const result = await restoreFaces(layerImage(pixels), cooperative, {
          strength: options.strength,
          fidelity: options.fidelity,
          region,
          signal: controller.signal,
          // The layer's pixels were read for this call alone: let the SDK write into them instead of a copy.
          inPlace: true,
          // The panel shares this thread: the SDK hands it back between bounded pieces of pixel work.
          cooperate: PANEL_COOPERATION,
          onProgress: (p) => {
            abortIfCancelled();
            progress(label(p), 0.05 + 0.85 * clamp01(p.fraction));
          },
        });
        if (cancelled()) throw messages.cancelled();
        // Only faces the selection reaches count (the SDK may return a face that merely touches the region).
        const faces = region ? result.faces.filter((f) => intersectMasks(f.masks.face, region!) !== null) : result.faces;
        if (faces.length === 0) throw messages.noFace(layer.name, options.onlyInSelection, result.skipped);

        progress("Writing the layer", 0.92);
        // The layer holds the SDK's result, already feathered (and weighted by the selection): the mask only has
        // to reveal where it differs, so that the composite is exactly that result and the source elsewhere.
        let reveal = unionMasks(faces.map((f) => f.masks.face), pixels.rect.width, pixels.rect.height);
        if (reveal) reveal = solid(reveal);
        if (reveal && region) reveal = intersectMasks(reveal, solid(region));
        if (!reveal) throw messages.noFace(layer.name, options.onlyInSelection, result.skipped);

        const layerId = await host.createPixelLayerAbove(doc.id, layer.id, RESULT_LAYER_NAME);
        const out: LayerPixels = {
          rect: maskToPlane(reveal, pixels.rect).rect,
          components: pixels.components,
          bitDepth: pixels.bitDepth,
          data: cropPixels(result.image, reveal.x, reveal.y, reveal.width, reveal.height),
        };
        await host.writeLayerPixels(doc.id, layerId, out);
        await host.writeLayerMask(doc.id, layerId, maskToPlane(reveal, pixels.rect));

        if (options.addMasks) {
          progress("Adding eye and mouth channels", 0.96);
          const { width, height } = pixels.rect;
          const empty: Mask = { x: 0, y: 0, width: 1, height: 1, data: new Uint8Array(1) };
          const eyes = unionMasks(faces.map((f) => f.masks.eyes), width, height) ?? empty;
          const mouth = unionMasks(faces.map((f) => f.masks.mouth), width, height) ?? empty;
          await host.addAlphaChannel(doc.id, EYES_CHANNEL, maskToPlane(eyes, pixels.rect));
          await host.addAlphaChannel(doc.id, MOUTH_CHANNEL, maskToPlane(mouth, pixels.rect));
          await host.setSelection(doc.id, userSelection);
        }
        if (cancelled()) throw messages.cancelled();
        progress("Done", 1);

        const seconds = (now() - started) / 1000;
        const n = faces.length;
        // Faces the selection leaves out were not asked for: only report the ones skipped for another reason.
        const notRestored = result.skipped.filter((s) => s.reason !== "outside the region");
        const skipped = notRestored.length;
        return {
          faces: n,
          skipped,
          seconds,
          layerId,
          faceBoxes: faces.map((f) => ({
            left: pixels.rect.left + f.box.x,
            top: pixels.rect.top + f.box.y,
            width: f.box.width,
            height: f.box.height,
          })),
          summary:
            `${n} face${n === 1 ? "" : "s"} restored in ${seconds.toFixed(1)} s` +
            (skipped ? ` (${skipped} skipped: ${[...new Set(notRestored.map((s) => s.reason))].join("; ")})` : ""),
          modelCalls: calls,
          modelLoads: loads,
          timings: result.timings,
        };
      }
    });
  } catch (e) {
    if (userCancelled() || photoshopCancelled || isAbortError(e)) throw messages.cancelled();
    if (e instanceof PluginError) throw e;
    throw toPluginError(e);
  }
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
}

function stageLabel(stage: string, face?: number, faces?: number): string {
  const of = face !== undefined && faces ? ` ${face} of ${faces}` : "";
  switch (stage) {
    case "detect":
      return "Detecting faces";
    case "align":
      return "Aligning faces";
    case "parse":
      return of ? `Parsing face${of}` : "Parsing faces";
    case "restore":
      return of ? `Restoring face${of}` : "Restoring faces";
    case "paste":
      return "Blending faces in";
    default:
      return stage;
  }
}
