/**
 * The one use of Node's Buffer in what the browser bundle runs: core/data/table-ops.ts sizes
 * UTF-8 text with Buffer.byteLength. TextEncoder gives the same count (lone surrogates are
 * 3 bytes, U+FFFD, in both).
 */
const encoder = new TextEncoder();
export const Buffer = {
  byteLength: (text: string) => encoder.encode(text).length,
};
