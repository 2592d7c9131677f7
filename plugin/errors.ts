/**
 * Every state in which the plugin refuses to run, with the sentence the retoucher reads. One place, so the panel,
 * the tests and the docs agree on the wording.
 */

export type PluginErrorCode =
  | "no-document"
  | "no-layer"
  | "several-layers"
  | "not-pixel-layer"
  | "empty-layer"
  | "unsupported-mode"
  | "unsupported-depth"
  | "empty-selection"
  | "no-face"
  | "no-simd"
  | "missing-file"
  | "busy"
  | "cancelled"
  | "failed";

export class PluginError extends Error {
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "PluginError";
  }
}

const MODE_NAMES: Record<string, string> = {
  CMYKColorMode: "CMYK",
  labColorMode: "Lab",
  indexedColorMode: "Indexed Color",
  grayscaleMode: "Grayscale",
  bitmapMode: "Bitmap",
  duotoneMode: "Duotone",
  multichannelMode: "Multichannel",
};

const ADJUSTMENT_KINDS = new Set([
  "blackAndWhite", "brightnessContrast", "channelMixer", "colorBalance", "curves", "exposure", "gradientMap",
  "hueSaturation", "inversion", "levels", "photoFilter", "posterize", "selectiveColor", "threshold", "vibrance",
  "colorLookup",
]);

export const messages = {
  noDocument: () => new PluginError("no-document", "Open a document first: there is nothing to restore."),
  noLayer: () => new PluginError("no-layer", "Select the layer to restore in the Layers panel."),
  severalLayers: (n: number) =>
    new PluginError("several-layers", `${n} layers are selected. Select only the one layer to restore.`),
  notPixelLayer: (name: string, kind: string) => {
    let what: string;
    let fix = "Select a pixel layer.";
    if (kind === "group") {
      what = "a layer group";
      fix = "Select one pixel layer inside it.";
    } else if (kind === "text") {
      what = "a text layer";
      fix = "Rasterize it (Layer › Rasterize › Type) or select a pixel layer.";
    } else if (kind === "smartObject") {
      what = "a smart object";
      fix = "Rasterize it (Layer › Rasterize › Smart Object) or select a pixel layer.";
    } else if (ADJUSTMENT_KINDS.has(kind)) {
      what = "an adjustment layer, which has no pixels of its own";
    } else if (kind === "solidColor" || kind === "gradientFill" || kind === "pattern") {
      what = "a fill layer";
    } else {
      what = `a ${kind} layer`;
    }
    return new PluginError("not-pixel-layer", `“${name}” is ${what}. ${fix}`);
  },
  emptyLayer: (name: string) => new PluginError("empty-layer", `“${name}” has no pixels to restore.`),
  unsupportedMode: (mode: string) => {
    const name = MODE_NAMES[mode] ?? mode;
    return new PluginError(
      "unsupported-mode",
      `This document is in ${name} mode. SADE restores RGB images: duplicate the document, convert the copy with ` +
        "Image › Mode › RGB Color, and restore it there.",
    );
  },
  unsupportedDepth: (bits: number) =>
    new PluginError(
      "unsupported-depth",
      bits === 32
        ? "This document is 32 bits per channel (HDR). SADE works on 8- and 16-bit RGB: duplicate the document and " +
            "convert the copy with Image › Mode › 16 Bits/Channel."
        : `This document is ${bits} bit per channel. SADE works on 8- and 16-bit RGB documents.`,
    ),
  emptySelection: (hasSelection: boolean) =>
    new PluginError(
      "empty-selection",
      hasSelection
        ? "“Only inside selection” is on, but the selection does not cover any pixel of the layer. Move the selection or turn the option off."
        : "“Only inside selection” is on, but nothing is selected. Make a selection or turn the option off.",
    ),
  noFace: (layerName: string, insideSelection: boolean, skipped: { reason: string }[]) => {
    const where = insideSelection ? ` inside the selection on “${layerName}”` : ` on “${layerName}”`;
    // The SDK's reason for faces the region leaves out.
    const outside = skipped.filter((s) => s.reason === "outside the region").length;
    const others = skipped.filter((s) => s.reason !== "outside the region");
    const aside = outside ? ` (${outside} face${outside > 1 ? "s" : ""} outside it)` : "";
    const why = others.length
      ? ` ${others.length} face${others.length > 1 ? "s were" : " was"} skipped: ${[...new Set(others.map((s) => s.reason))].join("; ")}.`
      : outside
        ? ""
        : " Faces need to be at least about 20 pixels wide and seen from the front or in three-quarter view.";
    return new PluginError("no-face", `No face found${where}${aside}.${why}`);
  },
  noSimd: () =>
    new PluginError(
      "no-simd",
      "This Photoshop's JavaScript engine has no WebAssembly SIMD, which SADE's engine needs. Update Photoshop " +
        "(SADE needs version 25.0 or later) and try again.",
    ),
  missingFile: (path: string, detail: string) =>
    new PluginError(
      "missing-file",
      `The plugin file ${path} is missing or unreadable (${detail}). Reinstall SADE from its .ccx package.`,
    ),
  busy: () =>
    new PluginError(
      "busy",
      "Photoshop is busy with another plugin's command. Try again when it has finished.",
    ),
  cancelled: () => new PluginError("cancelled", "Cancelled. The document is unchanged."),
  failed: (detail: string, cause?: unknown) =>
    new PluginError("failed", `Restoring failed, the document is unchanged: ${detail}`, cause),
};

export function isAbortError(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "AbortError";
}

/** Turns anything thrown into the sentence the panel shows. */
export function toPluginError(e: unknown): PluginError {
  if (e instanceof PluginError) return e;
  if (isAbortError(e)) return messages.cancelled();
  // Errors from Photoshop may come from another realm: read the message rather than test instanceof Error.
  const message = (e as { message?: unknown } | null)?.message;
  const detail = typeof message === "string" && message ? message : String(e);
  return messages.failed(detail, e);
}
