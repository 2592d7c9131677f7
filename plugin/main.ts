/**
 * Plugin entry (bundled to main.js, loaded by index.html). Registers the panel at once, as UXP requires, and
 * creates the engine only when Restore is first clicked.
 */
import "./uxp-globals.js";
import { lazyEngine, loadPluginEngine } from "./engine-loader.js";
import { createPhotoshopHost } from "./host/photoshop-host.js";
import { requireHostModules } from "./host/modules.js";
import { PanelController } from "./panel/panel-controller.js";
import { bindPanel } from "./panel/panel-view.js";

export const PANEL_ID = "sade.restore";

const modules = requireHostModules();
const engine = lazyEngine(() => loadPluginEngine(modules.fs));

/** The panel's state and action; the bundle exposes it as `sade.panel` (tests drive it through this). */
export const panel = new PanelController({ host: createPhotoshopHost(modules.photoshop), engine: engine.get });

let bound = false;
function bind(): void {
  const doc = (globalThis as { document?: { getElementById(id: string): unknown } }).document;
  if (bound || !doc) return;
  bindPanel(doc, panel);
  bound = true;
}

modules.uxp.entrypoints.setup({
  plugin: {
    destroy: () => engine.release(),
  },
  panels: {
    [PANEL_ID]: {
      create: bind,
      show: bind,
      destroy: () => void engine.release(),
    },
  },
});

/** Frees the onnxruntime sessions (UXP counts their memory against the plugin). */
export const releaseEngine = (): Promise<void> => engine.release();
