/**
 * Runs the real plugin bundle (dist main.js) in a node:vm context shaped like UXP's panel JavaScript: a fresh
 * realm with WebAssembly, timers, console and AbortController, a `require` that serves only the fake `photoshop`,
 * `uxp` and `fs` modules, and no Worker, fetch, process, importScripts or dynamic import().
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import vm from "node:vm";
import type { PanelState } from "../../plugin/panel/panel-controller.js";
import type { RestoreLayerOptions } from "../../plugin/restore-layer.js";
import { FakePhotoshop, type Realm } from "./fake-photoshop.js";

/** What the bundle exposes (esbuild globalName "sade"): plugin/main.ts's exports. */
export interface PluginGlobal {
  PANEL_ID: string;
  panel: {
    readonly state: PanelState;
    restore(options?: Partial<RestoreLayerOptions>): Promise<PanelState>;
    cancel(): void;
    subscribe(listener: (s: PanelState) => void): () => void;
  };
  releaseEngine(): Promise<void>;
}

export interface FakeElement {
  id: string;
  value?: number | string;
  checked?: boolean;
  disabled?: boolean;
  textContent: string | null;
  attributes: Map<string, string>;
  listeners: Map<string, (() => void)[]>;
  addEventListener(type: string, listener: () => void): void;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  click(): void;
}

/** The ids, initial values and checked states of index.html's widgets, as UXP would make them. */
export function fakePanelDocument(html: string): { getElementById(id: string): FakeElement | null; elements: Map<string, FakeElement> } {
  const elements = new Map<string, FakeElement>();
  for (const m of html.matchAll(/<(sp-[a-z]+)\s+([^>]*)>/g)) {
    const attrs = m[2];
    const id = /\bid="([^"]+)"/.exec(attrs)?.[1];
    if (!id) continue;
    const value = /\bvalue="([^"]*)"/.exec(attrs)?.[1];
    const el: FakeElement = {
      id,
      value: value === undefined ? undefined : Number(value),
      checked: /\bchecked\b/.test(attrs),
      disabled: /\bdisabled\b/.test(attrs),
      textContent: "",
      attributes: new Map(),
      listeners: new Map(),
      addEventListener(type, listener) {
        this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
      },
      setAttribute(name, v) {
        this.attributes.set(name, v);
      },
      removeAttribute(name) {
        this.attributes.delete(name);
      },
      click() {
        if (this.disabled) return;
        for (const l of this.listeners.get("click") ?? []) l();
      },
    };
    elements.set(id, el);
  }
  return { getElementById: (id) => elements.get(id) ?? null, elements };
}

export interface Sandbox {
  context: vm.Context;
  realm: Realm;
  /** Loads main.js from pluginDir into the sandbox, with ps as the host; returns the plugin's global. */
  load(pluginDir: string, ps: FakePhotoshop, options?: { document?: unknown }): Promise<PluginGlobal>;
  /** Globals the sandbox must not have, with their `typeof` inside it. */
  probe(): Record<string, string>;
}

export function createUxpSandbox(options: { simd?: boolean } = {}): Sandbox {
  const globals: Record<string, unknown> = {
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    AbortController,
    AbortSignal,
    Event,
    EventTarget,
  };
  // DONT_CONTEXTIFY: an ordinary global object, as in UXP. A contextified sandbox routes every global lookup
  // (Math, Float32Array, ...) through interceptors, which made the SDK's pixel loops 20-30x slower than in Node.
  const context = vm.createContext(vm.constants.DONT_CONTEXTIFY, { name: "uxp-panel", codeGeneration: { strings: true, wasm: true } });
  Object.assign(context, globals);
  // UXP has window/self; SharedArrayBuffer is undocumented there, so assume it is absent.
  vm.runInContext("globalThis.window = globalThis; globalThis.self = globalThis; delete globalThis.SharedArrayBuffer;", context);
  if (options.simd === false) {
    // A host whose WebAssembly validates no SIMD module.
    vm.runInContext(
      "(() => { const v = WebAssembly.validate; WebAssembly.validate = (b) => { const u = new Uint8Array(b.buffer ?? b); return u.includes(253) ? false : v(b); }; })()",
      context,
    );
  }
  const realm = vm.runInContext("({ Uint8Array, Uint16Array, Float32Array, ArrayBuffer })", context) as Realm;
  return {
    context,
    realm,
    async load(pluginDir, ps, opts = {}) {
      if (ps.realm !== realm) throw new Error("the fake Photoshop must be created with this sandbox's realm");
      ps.pluginDir = pluginDir;
      context.require = ps.require;
      if (opts.document) context.document = opts.document;
      const code = await readFile(join(pluginDir, "main.js"), "utf8");
      new vm.Script(code, { filename: "plugin:/main.js" }).runInContext(context);
      const sade = context.sade as PluginGlobal | undefined;
      if (!sade) throw new Error("the bundle did not define the global `sade`");
      return sade;
    },
    probe() {
      return vm.runInContext(
        `({ Worker: typeof Worker, fetch: typeof fetch, process: typeof process, importScripts: typeof importScripts,
            SharedArrayBuffer: typeof SharedArrayBuffer, WebAssembly: typeof WebAssembly, module: typeof module,
            dynamicImport: (() => { try { return typeof import("x").catch(() => {}); } catch (e) { return "throws"; } })() })`,
        context,
      ) as Record<string, string>;
    },
  };
}
