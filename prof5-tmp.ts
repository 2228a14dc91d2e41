import { readFileSync } from 'node:fs';
const buf = readFileSync('bench/.data/csv-bench-v1-1000000.csv');
const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
console.log('offset', buf.byteOffset);
const words = new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
function scanBytes() {
  const out = new Uint32Array(10_000_000); let n = 0; const len = bytes.length; let i = 0;
  while (i < len) {
    while (i < len) { const b = bytes[i]!; if (b <= 44 && (b === 44 || b === 10 || b === 13)) break; i++; }
    out[n++] = i; i++;
  }
  return n;
}
const D = 0x2c2c2c2c | 0, L = 0x0a0a0a0a, C = 0x0d0d0d0d, ONES = 0x01010101, HIGH = 0x80808080 | 0;
function scanSwar() {
  const out = new Uint32Array(10_000_000); let n = 0; const len = bytes.length; let i = 0;
  const wordEnd = (len >> 2) << 2;
  while (i < len) {
    // bytewise to alignment
    let found = -1;
    while ((i & 3) !== 0 && i < len) { const b = bytes[i]!; if (b === 44 || b === 10 || b === 13) { found = i; break; } i++; }
    if (found < 0) {
      while (i < wordEnd) {
        const w = words[i >> 2]!;
        const x = w ^ D, y = w ^ L, z = w ^ C;
        const m = ((((x - ONES) | 0) & ~x) | (((y - ONES) | 0) & ~y) | (((z - ONES) | 0) & ~z)) & HIGH;
        if (m !== 0) { found = i + ((31 - Math.clz32(m & -m)) >> 3); break; }
        i += 4;
      }
      if (found < 0) { while (i < len) { const b = bytes[i]!; if (b === 44 || b === 10 || b === 13) { found = i; break; } i++; } if (found < 0) found = len; }
    }
    out[n++] = found; i = found + 1;
  }
  return n;
}
for (let r = 0; r < 6; r++) {
  let t = performance.now(); const a = scanBytes(); const t1 = performance.now() - t;
  t = performance.now(); const b = scanSwar(); const t2 = performance.now() - t;
  console.log('bytes', t1.toFixed(0), a, 'swar', t2.toFixed(0), b);
}
