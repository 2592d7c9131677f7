/**
 * Binds index.html's Spectrum widgets to the PanelController. Only element properties that UXP's Spectrum widgets
 * document are used: value (sp-slider, sp-progressbar), checked (sp-checkbox), disabled, textContent, click.
 */
import { DEFAULT_OPTIONS, type PanelController, type PanelState } from "./panel-controller.js";

interface Widget {
  value?: number | string;
  checked?: boolean;
  disabled?: boolean;
  textContent: string | null;
  addEventListener(type: string, listener: () => void): void;
  setAttribute?(name: string, value: string): void;
  removeAttribute?(name: string): void;
}

interface PanelDocument {
  getElementById(id: string): unknown;
}

export const WIDGET_IDS = [
  "restore", "cancel", "strength", "fidelity", "only-selection", "add-masks", "progress", "stage", "result",
] as const;

export function bindPanel(doc: PanelDocument, controller: PanelController): void {
  const el = (id: (typeof WIDGET_IDS)[number]): Widget => {
    const e = doc.getElementById(id) as Widget | null;
    if (!e) throw new Error(`panel element #${id} is missing from index.html`);
    return e;
  };
  const restore = el("restore"), cancel = el("cancel"), strength = el("strength"), fidelity = el("fidelity");
  const onlySelection = el("only-selection"), addMasks = el("add-masks");
  const progress = el("progress"), stage = el("stage"), result = el("result");

  restore.addEventListener("click", () => {
    void controller.restore({
      strength: percent(strength.value, 100),
      fidelity: percent(fidelity.value, Math.round(DEFAULT_OPTIONS.fidelity * 100)),
      onlyInSelection: !!onlySelection.checked,
      addMasks: !!addMasks.checked,
    });
  });
  cancel.addEventListener("click", () => controller.cancel());

  controller.subscribe((s: PanelState) => {
    setDisabled(restore, s.running);
    setDisabled(cancel, !s.running);
    progress.value = Math.round(s.fraction * 100);
    stage.textContent = s.running ? s.label : "";
    result.textContent = s.message;
    result.setAttribute?.("data-status", s.status);
  });
}

function percent(value: number | string | undefined, fallback: number): number {
  const v = Number(value);
  return (Number.isFinite(v) ? Math.max(0, Math.min(100, v)) : fallback) / 100;
}

// Spectrum widgets read the attribute; plain elements the property. Set both.
function setDisabled(w: Widget, disabled: boolean): void {
  w.disabled = disabled;
  if (disabled) w.setAttribute?.("disabled", "");
  else w.removeAttribute?.("disabled");
}
