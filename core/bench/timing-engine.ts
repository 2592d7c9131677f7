// Wraps an Engine to add up the time spent in each model: how `sade bench` attributes time to pipeline stages
// without the pipeline knowing it is being measured.
import type { Engine, ModelId, ModelSignature, TensorData } from "../models/engine.js";

export class TimingEngine implements Engine {
  readonly ms = new Map<ModelId, number>();
  readonly calls = new Map<ModelId, number>();

  constructor(private readonly inner: Engine) {}

  get name(): string | undefined {
    return this.inner.name;
  }

  async run(model: ModelId, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const t = performance.now();
    try {
      return await this.inner.run(model, feeds);
    } finally {
      this.ms.set(model, (this.ms.get(model) ?? 0) + performance.now() - t);
      this.calls.set(model, (this.calls.get(model) ?? 0) + 1);
    }
  }

  signature(model: ModelId): Promise<ModelSignature> {
    if (!this.inner.signature) throw new Error("the wrapped engine has no signature()");
    return this.inner.signature(model);
  }

  reset(): void {
    this.ms.clear();
    this.calls.clear();
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}
