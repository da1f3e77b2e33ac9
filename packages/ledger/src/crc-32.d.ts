// crc-32 ships types for its CRC-32 entry only; its CRC32C entry (CommonJS) has the same shape.
declare module 'crc-32/crc32c.js' {
  const crc32c: { buf(data: Uint8Array | number[], seed?: number): number };
  export default crc32c;
}
