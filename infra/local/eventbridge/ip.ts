/**
 * IP addresses and CIDR blocks as EventBridge (event-ruler `CIDR`) treats them. Addresses are
 * compared as byte strings of the same family; a CIDR block covers its written address up to
 * that address with all host bits set (event-ruler does not zero the host bits first).
 */

/** Thrown for a malformed `cidr` pattern; messages are event-ruler's, which AWS returns as is. */
export class CidrError extends Error {}

export interface IpRange {
  /** 4 for IPv4, 16 for IPv6 (bytes). */
  readonly size: number;
  readonly low: Uint8Array;
  readonly high: Uint8Array;
}

// event-ruler only tries strings shaped like these (so host names are never resolved).
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

export const looksLikeIp = (text: string): boolean => IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);

/** The address bytes of an IPv4 or IPv6 literal, or `undefined` if it is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.').map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return Uint8Array.from(parts);
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] | undefined => {
    if (half === undefined || half === '') return [];
    const g = half.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : undefined;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (!head || !tail) return undefined;
  const compressed = halves.length === 2;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  return bytes;
}

/** The range a `cidr` pattern covers; throws `CidrError` with AWS's message when malformed. */
export function parseCidr(text: string): IpRange {
  // Java's String.split drops trailing empty parts: "10.0.0.0/" has one part.
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new CidrError("Malformed CIDR, one '/' required");
  const [address = '', maskText = ''] = parts;
  if (!/^[+-]?\d+$/.test(maskText) || Math.abs(Number(maskText)) > 2 ** 31 - 1) {
    throw new CidrError('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new CidrError('Malformed CIDR, mask bits must not be negative');
  if (!looksLikeIp(address)) throw new CidrError(`Nonstandard IP address: ${address}`);
  const low = parseIp(address);
  if (!low) throw new CidrError(`Invalid IP address: ${address}`);
  if (low.length === 4 && maskBits > 31) throw new CidrError('IPv4 mask bits must be < 32');
  if (low.length === 16 && maskBits > 127) throw new CidrError('IPv6 mask bits must be < 128');
  const high = Uint8Array.from(low);
  let hostBits = low.length * 8 - maskBits;
  for (let i = high.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    high[i] = (high[i] ?? 0) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return { size: low.length, low, high };
}

/** The single-address range an IP literal in an exact-match pattern stands for. */
export const singleAddress = (bytes: Uint8Array): IpRange => ({ size: bytes.length, low: bytes, high: bytes });

export function inRange(range: IpRange, address: Uint8Array): boolean {
  return (
    address.length === range.size && compareBytes(address, range.low) >= 0 && compareBytes(address, range.high) <= 0
  );
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
