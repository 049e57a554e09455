import { isIPv6 } from 'node:net';

/**
 * The key of a client address in per-address limits: an IPv4 address as it is, an IPv6 address by
 * its /64 network, the smallest block one subscriber usually holds (counting single IPv6 addresses
 * would let one host take 2^64 fresh budgets). IPv4-mapped IPv6 addresses count as IPv4.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
