/**
 * Sharing the thread with a host. The Photoshop panel runs the SDK on its own UI thread: while synchronous work
 * runs, the panel cannot repaint or hear Cancel. Long loops are therefore written as steps (generators that stop
 * after each bounded piece of work, such as one row), and a Pacer runs them, handing the thread back to the host
 * whenever a time slice is used up. Without a host hook the steps run straight through at full speed, which is what
 * the CLI and the worker pool do. Pure TypeScript, no host knowledge: the host supplies the yield.
 */

export interface Cooperation {
  /** Hands the thread back to the host (a macrotask, e.g. `setTimeout(resolve, 0)`) and resolves when it returns. */
  yieldToHost: () => Promise<void>;
  /** Longest stretch of synchronous work between two yields, in milliseconds (default 40). */
  sliceMs?: number;
}

/** Work that stops (yields) after each bounded piece; its return value is the result. */
export type Steps<T = void> = Generator<void, T, void>;

export const DEFAULT_SLICE_MS = 40;

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

/** Runs steps to the end without stopping: the synchronous form of every stepped function. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Keeps the time since the thread was last handed back, and hands it back when the slice is used up. One Pacer
 * serves one call of the SDK, so the clock runs across all of its stages.
 */
export class Pacer implements Cooperation {
  readonly sliceMs: number;
  private last = now();

  constructor(private readonly host?: Cooperation) {
    this.sliceMs = host?.sliceMs ?? DEFAULT_SLICE_MS;
    if (!(this.sliceMs >= 0)) throw new Error(`sliceMs must be >= 0, got ${host?.sliceMs}`);
  }

  async yieldToHost(): Promise<void> {
    if (!this.host) return;
    await this.host.yieldToHost();
    this.last = now();
  }

  /** Hands the thread back if the slice is used up; otherwise returns at once. */
  async pause(): Promise<void> {
    if (this.host && now() - this.last >= this.sliceMs) await this.yieldToHost();
  }

  /** Runs steps to the end, handing the thread back between steps whenever the slice is used up. */
  async run<T>(steps: Steps<T>): Promise<T> {
    if (!this.host) return runSteps(steps);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (now() - this.last >= this.sliceMs) await this.yieldToHost();
    }
  }
}

/** The Pacer for an option value: a Pacer passed down by a caller is shared, anything else gets its own. */
export function pacerFor(cooperate?: Cooperation): Pacer {
  return cooperate instanceof Pacer ? cooperate : new Pacer(cooperate);
}
