/**
 * onnxruntime-web 1.30 ships only SIMD builds; without SIMD it throws a message a retoucher cannot act on. Probe
 * first with the same tiny module onnxruntime-web uses (lib/wasm/wasm-factory.ts): v128.const, i8x16 ops.
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 30, 1, 28, 0, 65, 0, 253, 15, 253, 12, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 186, 1, 26, 11,
]);

export function hasWasmSimd(wasm: { validate(bytes: BufferSource): boolean } | undefined = globalThis.WebAssembly): boolean {
  try {
    return !!wasm && wasm.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}
