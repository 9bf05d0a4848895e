// Word wrap for the terminal. Lines break at spaces; a word longer than the line is cut into
// pieces, except a URL, which is never cut (it stays whole on a line of its own, longer than the
// width if it must, so a terminal can still open it). Widths count code points.

/** A word holding a URL anywhere (`url=https://…`, `(https://…)`). */
const URL_WORD = /[a-z][a-z0-9+.-]*:\/\/\S/i;

function len(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function cut(word: string, size: number): string[] {
  const chars = [...word];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * `text` wrapped to `width` columns, the first line starting with `first` and the rest with
 * `rest` (both counted in the width). Never returns an empty list.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let prefix = first;
  let line = '';
  const room = () => Math.max(8, width - len(prefix));
  const flush = () => {
    lines.push(`${prefix}${line}`.trimEnd());
    prefix = rest;
    line = '';
  };
  for (const word of text.split(/ +/)) {
    if (word === '') continue;
    const w = len(word);
    const need = line === '' ? w : len(line) + 1 + w;
    if (need <= room()) {
      line = line === '' ? word : `${line} ${word}`;
      continue;
    }
    if (line !== '') flush();
    if (w <= room() || URL_WORD.test(word)) {
      line = word;
      continue;
    }
    const pieces = cut(word, Math.max(8, width - Math.max(len(first), len(rest))));
    for (const p of pieces.slice(0, -1)) {
      line = p;
      flush();
    }
    line = pieces[pieces.length - 1] ?? '';
  }
  if (line !== '' || lines.length === 0) flush();
  return lines;
}
