// Test-only: commented hex fixtures. One field a line; a comment runs from `//` or `#` to the end
// of the line; whitespace is ignored; what is left must be pairs of hex digits.
export function hex(text: string): Uint8Array {
  const clean = text
    .split('\n')
    .map((l) => l.replace(/(\/\/|#).*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new Error(`bad hex fixture: ${clean.slice(0, 40)}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
