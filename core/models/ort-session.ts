/**
 * What the two onnxruntime backends share: a lazily created session per model, feeds and outputs converted between
 * our TensorData and onnxruntime tensors. Pure TypeScript; each backend passes in its own onnxruntime module.
 */
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { Engine, ModelId, ModelSignature, TensorData } from "./engine.js";

export interface OrtLike {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: any, data: any, dims: readonly number[]) => Tensor;
}

export class OrtEngine implements Engine {
  private sessions = new Map<ModelId, Promise<InferenceSession>>();
  private released = false;

  constructor(
    readonly name: string,
    private ort: OrtLike,
    /** Reads and checks the model file; throws a clear error naming it when missing or altered. */
    private loadModel: (model: ModelId) => Promise<Uint8Array>,
    private sessionOptions: InferenceSession.SessionOptions,
  ) {}

  private session(model: ModelId): Promise<InferenceSession> {
    if (this.released) throw new Error(`${this.name} engine has been released`);
    let s = this.sessions.get(model);
    if (!s) {
      s = this.loadModel(model).then((bytes) =>
        this.ort.InferenceSession.create(bytes, this.sessionOptions).catch((e: unknown) => {
          throw new Error(`model '${model}' could not be loaded by ${this.name}: ${(e as Error).message ?? e}`);
        }),
      );
      // A failed load must not poison later attempts (e.g. after the file was fixed).
      s.catch(() => this.sessions.delete(model));
      this.sessions.set(model, s);
    }
    return s;
  }

  async load(model: ModelId): Promise<void> {
    await this.session(model);
  }

  async signature(model: ModelId): Promise<ModelSignature> {
    const s = await this.session(model);
    return { inputs: [...s.inputNames], outputs: [...s.outputNames] };
  }

  async run(model: ModelId, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const s = await this.session(model);
    const ortFeeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      if (!s.inputNames.includes(name)) continue; // optional inputs a model may not take (e.g. fidelity)
      ortFeeds[name] = new this.ort.Tensor(t.type, t.data, t.dims);
    }
    const missing = s.inputNames.filter((n) => !(n in ortFeeds));
    if (missing.length) throw new Error(`model '${model}' needs input(s) ${missing.join(", ")} that were not given`);
    const out = await s.run(ortFeeds);
    const result: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(out)) {
      result[name] = { type: t.type as TensorData["type"], data: t.data as TensorData["data"], dims: [...t.dims] };
      // Native output buffers are owned by us once copied out; let onnxruntime free its side.
      (t as { dispose?: () => void }).dispose?.();
    }
    return result;
  }

  async release(): Promise<void> {
    this.released = true;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) {
      try {
        await (await s).release();
      } catch {
        /* a session that failed to load has nothing to free */
      }
    }
  }
}
