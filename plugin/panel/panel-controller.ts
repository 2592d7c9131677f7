/**
 * The panel's state and its one action. No DOM here: panel-view.ts renders the state, tests read it directly.
 */
import type { Engine } from "../../core/models/engine.js";
import { DEFAULT_FIDELITY } from "../../core/restore/restore.js";
import { toPluginError } from "../errors.js";
import type { PhotoshopHost } from "../host/host.js";
import { restoreActiveLayer, type RestoreLayerOptions, type RestoreOutcome } from "../restore-layer.js";

export interface PanelState {
  running: boolean;
  /** Stage line under the progress bar: "Restoring face 2 of 4". */
  label: string;
  /** 0..1 */
  fraction: number;
  /** The one-line result ("3 faces restored in 4.2 s") or the error message. */
  message: string;
  status: "idle" | "running" | "done" | "error" | "cancelled";
  /** Error code when status is "error" or "cancelled". */
  code?: string;
  outcome?: RestoreOutcome;
}

export const DEFAULT_OPTIONS: RestoreLayerOptions = { strength: 1, fidelity: DEFAULT_FIDELITY, onlyInSelection: false, addMasks: true };

export class PanelController {
  private current: PanelState = { running: false, label: "", fraction: 0, message: "", status: "idle" };
  private listeners = new Set<(s: PanelState) => void>();
  private abort: AbortController | null = null;

  constructor(private deps: { host: PhotoshopHost; engine: () => Promise<Engine> }) {}

  get state(): PanelState {
    return this.current;
  }

  subscribe(listener: (s: PanelState) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /** The Restore faces button. Resolves with the final state; never throws. */
  async restore(options: Partial<RestoreLayerOptions> = {}): Promise<PanelState> {
    if (this.current.running) return this.current;
    const opts = { ...DEFAULT_OPTIONS, ...options };
    const abort = new AbortController();
    this.abort = abort;
    this.set({ running: true, status: "running", label: "Starting", fraction: 0, message: "", code: undefined, outcome: undefined });
    try {
      const outcome = await restoreActiveLayer(this.deps.host, this.deps.engine, opts, {
        signal: abort.signal,
        progress: (p) => this.set({ label: p.label, fraction: p.fraction }),
      });
      this.set({ running: false, status: "done", label: "", fraction: 1, message: outcome.summary, outcome });
    } catch (e) {
      const err = toPluginError(e);
      this.set({
        running: false,
        status: err.code === "cancelled" ? "cancelled" : "error",
        code: err.code,
        label: "",
        fraction: 0,
        message: err.message,
      });
    } finally {
      this.abort = null;
    }
    return this.current;
  }

  /** The Cancel button: takes effect before the next model call. */
  cancel(): void {
    this.abort?.abort();
  }

  private set(patch: Partial<PanelState>): void {
    this.current = { ...this.current, ...patch };
    for (const l of this.listeners) l(this.current);
  }
}
