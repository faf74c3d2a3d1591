import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The additional checksums S3 verifies on upload (`x-amz-checksum-<algorithm>`, base64 of the
 * big-endian digest; S3 User Guide, *Checking object integrity*). The SDK sends CRC32 by default
 * (`requestChecksumCalculation: WHEN_SUPPORTED`) and checks the one a GetObject returns.
 */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export function checksum(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  switch (algorithm) {
    case 'crc32':
      return u32(crc32(data));
    case 'crc32c':
      return u32(crc32c(data));
    case 'crc64nvme':
      return u64(crc64nvme(data));
    case 'sha1':
      return createHash('sha1').update(data).digest('base64');
    case 'sha256':
      return createHash('sha256').update(data).digest('base64');
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b.toString('base64');
};

/** Reflected table of a CRC polynomial (`width` 32 or 64 bits). */
function table(poly: bigint, width: 32 | 64): bigint[] {
  const mask = (1n << BigInt(width)) - 1n;
  return Array.from({ length: 256 }, (_, i) => {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    return c & mask;
  });
}

let crc32cTable: Uint32Array | undefined;
/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78). */
function crc32c(data: Uint8Array): number {
  crc32cTable ??= Uint32Array.from(table(0x82f63b78n, 32), Number);
  let c = 0xffffffff;
  for (const byte of data) c = crc32cTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

let crc64Table: bigint[] | undefined;
/** CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5). BigInt is slow, but local objects are small. */
function crc64nvme(data: Uint8Array): bigint {
  crc64Table ??= table(0x9a6c9329ac4bc9b5n, 64);
  const mask = 0xffffffffffffffffn;
  let c = mask;
  for (const byte of data) c = crc64Table[Number((c ^ BigInt(byte)) & 0xffn)]! ^ (c >> 8n);
  return (c ^ mask) & mask;
}
