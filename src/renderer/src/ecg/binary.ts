/**
 * Large arrays travel as base64 of little-endian float32 (see src/shared/api/records.ts); this turns them
 * back into typed arrays without going through JSON numbers.
 */

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function decodeFloat32(base64: string, expectedLength: number): Float32Array {
  const bin = atob(base64);
  if (bin.length !== expectedLength * 4) {
    throw new Error(`binary payload has ${bin.length} bytes, expected ${expectedLength * 4} (${expectedLength} float32)`);
  }
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  if (littleEndianHost) return new Float32Array(bytes.buffer);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Row `index` of a lead-major matrix (rows of `length` values), without copying. */
export function row(matrix: Float32Array, index: number, length: number): Float32Array {
  return matrix.subarray(index * length, (index + 1) * length);
}
