/**
 * SHA-256 in plain TypeScript, for places without node:crypto or a usable WebCrypto (Photoshop UXP).
 * Streams in 64-byte blocks, so hashing a large model costs no extra copy.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

function compress(h: Uint32Array, w: Uint32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15], b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/** Incremental SHA-256: feed the bytes in pieces of any size with update(), then read hex(). */
export class Sha256 {
  private h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private w = new Uint32Array(64);
  /** Bytes of an incomplete block carried to the next update. */
  private pending = new Uint8Array(64);
  private pendingLength = 0;
  private length = 0;
  private done = false;

  update(data: Uint8Array): this {
    if (this.done) throw new Error("Sha256: update() after hex()");
    this.length += data.length;
    let off = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(64 - this.pendingLength, data.length);
      this.pending.set(data.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      off = take;
      if (this.pendingLength < 64) return this;
      compress(this.h, this.w, this.pending, 0);
      this.pendingLength = 0;
    }
    const full = off + Math.floor((data.length - off) / 64) * 64;
    for (; off < full; off += 64) compress(this.h, this.w, data, off);
    this.pending.set(data.subarray(off), 0);
    this.pendingLength = data.length - off;
    return this;
  }

  hex(): string {
    if (!this.done) {
      // Tail: remaining bytes, 0x80, zeros, 64-bit big-endian bit length.
      const rest = this.pendingLength;
      const tail = new Uint8Array(rest < 56 ? 64 : 128);
      tail.set(this.pending.subarray(0, rest));
      tail[rest] = 0x80;
      const bits = this.length * 8;
      const dv = new DataView(tail.buffer);
      dv.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
      dv.setUint32(tail.length - 4, bits >>> 0);
      for (let off = 0; off < tail.length; off += 64) compress(this.h, this.w, tail, off);
      this.done = true;
    }
    let hex = "";
    for (let i = 0; i < 8; i++) hex += this.h[i].toString(16).padStart(8, "0");
    return hex;
  }
}

/** Hex SHA-256 of the bytes. */
export function sha256Hex(data: Uint8Array): string {
  return new Sha256().update(data).hex();
}
