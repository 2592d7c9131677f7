/**
 * Small parser and restorer ONNX files that obey models/models.json's contract (names, shapes, types), written
 * with a minimal protobuf encoder: plumbing for the plugin tests until training/ has produced the real models.
 * They are not face models: the parser returns a fixed FFHQ-template label map (eyes, mouth and skin where an
 * aligned face has them), the restorer a fixed tone curve, output = tanh(1.5 * input).
 */
import { FFHQ_TEMPLATE_512 } from "../../core/face/template.js";

// --- protobuf wire format ---------------------------------------------------------------------------------
type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, v: number | bigint): Field => new Uint8Array([...key(field, 0), ...varint(v)]);
const bytes = (field: number, b: Uint8Array): Field => concat([new Uint8Array([...key(field, 2), ...varint(b.length)]), b]);
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));
const msg = (field: number, ...parts: Field[]): Field => bytes(field, concat(parts));
const f32 = (field: number, v: number): Field => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return concat([new Uint8Array(key(field, 5)), b]);
};

// --- ONNX messages (onnx.proto field numbers) -------------------------------------------------------------
const FLOAT = 1, UINT8 = 2, INT64 = 7;
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3;

function tensor(name: string, type: number, dims: number[], raw: Uint8Array): Field[] {
  return [...dims.map((d) => int(1, d)), int(2, type), str(8, name), bytes(9, raw)];
}

function valueInfo(field: number, name: string, type: number, dims: number[]): Field {
  const shape = dims.map((d) => msg(1, int(1, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, type), msg(2, ...shape))));
}

type Attr = { name: string; i?: number; f?: number; s?: string };
function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Field {
  return msg(
    1,
    ...inputs.map((i) => str(1, i)),
    ...outputs.map((o) => str(2, o)),
    str(3, `${op}_${outputs[0]}`),
    str(4, op),
    ...attrs.map((a) =>
      msg(
        5,
        str(1, a.name),
        ...(a.f !== undefined ? [f32(2, a.f), int(20, ATTR_FLOAT)] : []),
        ...(a.i !== undefined ? [int(3, a.i), int(20, ATTR_INT)] : []),
        ...(a.s !== undefined ? [str(4, a.s), int(20, ATTR_STRING)] : []),
      ),
    ),
  );
}

function model(graph: Field[]): Uint8Array {
  return concat([int(1, 8), str(2, "sade-plugin-tests"), msg(7, ...graph), msg(8, str(1, ""), int(2, 17))]);
}

const f32bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// --- the fixture models -----------------------------------------------------------------------------------

/** Class index map (128x128) of an FFHQ-aligned face: skin ellipse, brows, eyes, nose, lips, mouth. */
function templateLabels128(): Uint8Array {
  const L = new Uint8Array(128 * 128);
  const s = 128 / 512;
  const [le, re, nose, lm, rm] = FFHQ_TEMPLATE_512.map(([x, y]) => [x * s, y * s] as const);
  const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) =>
    ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  const mouthC = [(lm[0] + rm[0]) / 2, (lm[1] + rm[1]) / 2];
  const mouthRx = (rm[0] - lm[0]) / 2 + 1;
  for (let y = 0; y < 128; y++) {
    for (let x = 0; x < 128; x++) {
      let c = 0;
      if (inEllipse(x, y, 64, 66, 42, 54)) c = 13; // hair ring, overwritten by skin inside
      if (inEllipse(x, y, 64, 70, 36, 48)) c = 1;
      if (inEllipse(x, y, le[0], le[1] - 9, 9, 2.5)) c = 6;
      if (inEllipse(x, y, re[0], re[1] - 9, 9, 2.5)) c = 7;
      if (inEllipse(x, y, le[0], le[1], 6, 3)) c = 4;
      if (inEllipse(x, y, re[0], re[1], 6, 3)) c = 5;
      if (inEllipse(x, y, nose[0], nose[1] - 6, 5, 10)) c = 2;
      if (inEllipse(x, y, mouthC[0], mouthC[1] - 2.5, mouthRx, 2.5)) c = 11;
      if (inEllipse(x, y, mouthC[0], mouthC[1] + 2.5, mouthRx, 3)) c = 12;
      if (inEllipse(x, y, mouthC[0], mouthC[1], mouthRx - 2, 1)) c = 10;
      L[y * 128 + x] = c;
    }
  }
  return L;
}

/** parser: input [1,3,512,512] -> probs [1,19,128,128] (one-hot template map), labels [1,512,512] uint8. */
export function fixtureParser(): Uint8Array {
  const labels = templateLabels128();
  const probs = new Float32Array(19 * 128 * 128);
  for (let i = 0; i < labels.length; i++) probs[labels[i] * 128 * 128 + i] = 1;
  const scales = new Float32Array([1, 1, 4, 4]);
  const zero = new Float32Array([0]);
  return model([
    node("ReduceMean", ["input"], ["level"], [{ name: "keepdims", i: 0 }]),
    node("Mul", ["level", "zero"], ["nothing"]),
    node("Add", ["P", "nothing"], ["probs"]), // the output depends on the input, as a real parser's does
    node("Resize", ["probs", "", "scales"], ["probs512"], [{ name: "mode", s: "nearest" }]),
    node("ArgMax", ["probs512"], ["argmax"], [{ name: "axis", i: 1 }, { name: "keepdims", i: 0 }]),
    node("Cast", ["argmax"], ["labels"], [{ name: "to", i: UINT8 }]),
    str(2, "fixture_parser"),
    msg(5, ...tensor("P", FLOAT, [1, 19, 128, 128], f32bytes(probs))),
    msg(5, ...tensor("scales", FLOAT, [4], f32bytes(scales))),
    msg(5, ...tensor("zero", FLOAT, [], f32bytes(zero))),
    valueInfo(11, "input", FLOAT, [1, 3, 512, 512]),
    valueInfo(12, "labels", UINT8, [1, 512, 512]),
    valueInfo(12, "probs", FLOAT, [1, 19, 128, 128]),
  ]);
}

/** restorer: input [1,3,512,512], seg [1,19,128,128], fidelity [1] -> output = tanh(1.5 * input). */
export function fixtureRestorer(): Uint8Array {
  const gain = new Float32Array([1.5]);
  return model([
    node("Mul", ["input", "gain"], ["scaled"]),
    node("Tanh", ["scaled"], ["output"]),
    str(2, "fixture_restorer"),
    msg(5, ...tensor("gain", FLOAT, [], f32bytes(gain))),
    valueInfo(11, "input", FLOAT, [1, 3, 512, 512]),
    valueInfo(11, "seg", FLOAT, [1, 19, 128, 128]),
    valueInfo(11, "fidelity", FLOAT, [1]),
    valueInfo(12, "output", FLOAT, [1, 3, 512, 512]),
  ]);
}

void INT64;
