// Which IP addresses an outbound call may reach: public unicast only, unless private is allowed.
// Covers IPv4 and IPv6, and IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4).
import { isIPv4, isIPv6 } from 'node:net';

interface Range {
  bytes: number[];
  prefix: number;
  name: string;
}

function v4(cidr: string, name: string): Range {
  const [address, prefix] = cidr.split('/');
  return { bytes: address.split('.').map(Number), prefix: Number(prefix), name };
}

function v6(cidr: string, name: string): Range {
  const [address, prefix] = cidr.split('/');
  return { bytes: parseIPv6(address) ?? [], prefix: Number(prefix), name };
}

// IANA special-purpose registries (RFC 6890 and updates): everything that is not public unicast.
const IPV4_REFUSED: Range[] = [
  v4('0.0.0.0/8', 'unspecified / this network'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'carrier-grade NAT'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', '6to4 relay anycast'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved / broadcast'),
];

const IPV6_REFUSED: Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('100::/64', 'discard'),
  v6('2001::/32', 'Teredo'),
  v6('2001:db8::/32', 'documentation'),
  v6('fc00::/7', 'unique-local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('ff00::/8', 'multicast'),
];

/** 16 bytes of an IPv6 address (with an optional dotted IPv4 tail and zone), or null. */
export function parseIPv6(text: string): number[] | null {
  let address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    if (!isIPv4(dotted[1])) return null;
    tail = dotted[1].split('.').map(Number);
    address = `${address.slice(0, -dotted[1].length)}0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function inRange(bytes: number[], range: Range): boolean {
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (range.bytes[i] & mask)) return false;
  }
  return true;
}

function startsWith(bytes: number[], prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIPv4(bytes: number[]): number[] | null {
  const zeros10 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  if (startsWith(bytes, [...zeros10, 0xff, 0xff])) return bytes.slice(12); // ::ffff:a.b.c.d
  if (startsWith(bytes, [...zeros10, 0, 0])) return bytes.slice(12); // ::a.b.c.d (deprecated)
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, ...zeros10.slice(0, 8)])) return bytes.slice(12); // NAT64
  if (startsWith(bytes, [0x20, 0x02])) return bytes.slice(2, 6); // 6to4
  return null;
}

/**
 * Why an address is refused for outbound calls ("loopback", "private", …), or null when it is public
 * unicast. Anything that is not a valid IP address is refused as "not an IP address".
 */
export function refusedAddressRange(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '');
  if (isIPv4(bare)) {
    const bytes = bare.split('.').map(Number);
    return IPV4_REFUSED.find((r) => inRange(bytes, r))?.name ?? null;
  }
  if (isIPv6(bare.replace(/%.*$/, ''))) {
    const bytes = parseIPv6(bare);
    if (!bytes) return 'not an IP address';
    const own = IPV6_REFUSED.find((r) => inRange(bytes, r))?.name;
    if (own) return own;
    const inner = embeddedIPv4(bytes);
    if (inner) {
      const name = IPV4_REFUSED.find((r) => inRange(inner, r))?.name;
      if (name) return `${name} (IPv4 inside IPv6)`;
      // ::a.b.c.d with a public IPv4 is deprecated and never routed; 6to4 / NAT64 / mapped are.
      if (startsWith(bytes, Array(12).fill(0))) return 'IPv4-compatible IPv6';
    }
    return null;
  }
  return 'not an IP address';
}
