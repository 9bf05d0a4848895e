// A netmask written as a dotted quad (255.255.255.0, 255.255.240.0, 255.0.0.0) is not an
// address: no host has it, no packet is for it. Contiguous one bits from the top, /8 to /31
// (255.255.255.255 is the limited broadcast, special already; shorter masks are real networks).
export function isNetmask(ip: string): boolean {
  // Every mask /8 and longer starts with 255 (at most three digits a part, so no other spelling):
  // the detector asks this of every egress flow's destination, and nearly none do.
  if (!ip.startsWith('255.')) return false;
  const p = ip.split('.');
  if (p.length !== 4) return false;
  let n = 0;
  for (const s of p) {
    if (!/^\d{1,3}$/.test(s)) return false;
    const o = Number(s);
    if (o > 255) return false;
    n = n * 256 + o;
  }
  if (n === 0xffffffff) return false;
  const inv = (~n >>> 0) + 1; // a mask's complement plus one is a power of two
  return (inv & (inv - 1)) === 0 && n >= 0xff000000;
}
