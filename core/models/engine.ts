/**
 * The one engine interface the pipeline talks to. Two backends implement it: node-engine.ts (onnxruntime-node,
 * the CLI default) and web-engine.ts (onnxruntime-web wasm, the Photoshop path). This file must stay free of
 * Node-only imports.
 */

export type ModelId = "parser" | "restorer" | "detector" | "landmarks" | "identity";

export type TensorType = "float32" | "uint8" | "int8" | "int32" | "int64" | "float64" | "bool";

export interface TensorData {
  type: TensorType;
  data: Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Float64Array;
  dims: number[];
}

export interface ModelSignature {
  inputs: string[];
  outputs: string[];
}

export interface Engine {
  /** Runs one model; sessions are created (and their file checked) on first use. */
  run(model: ModelId, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  /**
   * Creates the model's session now (reading and checking its file) instead of on its first run. A host that
   * shares its thread with the SDK can then hand the thread back between creating a session and running it.
   */
  load?(model: ModelId): Promise<void>;
  /** Frees every session. The engine must not be used afterwards. */
  release(): Promise<void>;
  /** Input and output names of a model, as the loaded file declares them (loads the model if needed). */
  signature?(model: ModelId): Promise<ModelSignature>;
  /** Which backend this is, for reports. */
  readonly name?: string;
}

export function float32(data: Float32Array, dims: number[]): TensorData {
  return { type: "float32", data, dims };
}

/** Reads a float32 output, with a clear error naming the model when the contract is broken. */
export function expectFloat32(
  outputs: Record<string, TensorData>,
  name: string,
  model: ModelId,
  size?: number,
): Float32Array {
  const t = outputs[name];
  if (!t) throw new Error(`model '${model}' returned no output '${name}' (got: ${Object.keys(outputs).join(", ")})`);
  if (!(t.data instanceof Float32Array)) throw new Error(`model '${model}' output '${name}' is ${t.type}, expected float32`);
  if (size !== undefined && t.data.length !== size) {
    throw new Error(`model '${model}' output '${name}' has ${t.data.length} values, expected ${size}`);
  }
  return t.data;
}

export function abortError(): Error {
  const e = new Error("The operation was aborted");
  e.name = "AbortError";
  return e;
}

export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}
