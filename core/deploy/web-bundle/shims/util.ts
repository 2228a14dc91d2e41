/**
 * `util` for TF.js in the browser bundle: tfjs-core's Node platform (chosen when the ES
 * module package runs in Node) reads TextEncoder, TextDecoder and the typed-array checks from
 * it. The globals of browsers and Node provide the same.
 */
export const TextEncoder = globalThis.TextEncoder;
export const TextDecoder = globalThis.TextDecoder;
export const types = {
  isFloat32Array: (value: unknown) => value instanceof Float32Array,
  isInt32Array: (value: unknown) => value instanceof Int32Array,
  isUint8Array: (value: unknown) => value instanceof Uint8Array,
  isUint8ClampedArray: (value: unknown) => value instanceof Uint8ClampedArray,
};
export default { TextEncoder, TextDecoder, types };
