// Reads NumPy .npz archives (a zip of .npy files): how BasicSR ships the NIQE pristine parameters.
import { readFile } from "node:fs/promises";
import JSZip from "jszip";

export interface NdArray {
  shape: number[];
  data: Float64Array;
}

/** Parses one .npy file (format 1.x/2.x/3.x, little-endian float32/float64); data is returned in C order. */
export function parseNpy(bytes: Uint8Array, name = "array"): NdArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== "\x93NUMPY") throw new Error(`${name}: not a .npy file`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === "True";
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${name}: unreadable .npy header ${header}`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  const data = new Float64Array(count);
  if (descr === "<f8") {
    for (let i = 0; i < count; i++) data[i] = view.getFloat64(offset + i * 8, true);
  } else if (descr === "<f4") {
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
  } else {
    throw new Error(`${name}: dtype ${descr} not supported (float32/float64 only)`);
  }
  return { shape, data: fortran ? fortranToC(data, shape) : data };
}

function fortranToC(src: Float64Array, shape: number[]): Float64Array {
  const out = new Float64Array(src.length);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < src.length; c++) {
    // idx is the multi-index of C-order position c; its Fortran-order offset has the first axis fastest.
    let f = 0;
    let stride = 1;
    for (let d = 0; d < rank; d++) {
      f += idx[d] * stride;
      stride *= shape[d];
    }
    out[c] = src[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

export async function readNpz(path: string): Promise<Record<string, NdArray>> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(await readFile(path));
  } catch (err) {
    throw new Error(`${path}: cannot read .npz (${(err as Error).message})`);
  }
  const out: Record<string, NdArray> = {};
  for (const entry of Object.values(zip.files)) {
    if (entry.dir || !entry.name.endsWith(".npy")) continue;
    const key = entry.name.slice(0, -4);
    out[key] = parseNpy(await entry.async("uint8array"), `${path}:${entry.name}`);
  }
  return out;
}
