/**
 * Percent-encodes any JS string, lone surrogates included (encodeURIComponent throws on those):
 * each unpaired surrogate goes out as its three generalized-UTF-8 bytes, as a hostile client
 * would send them.
 */
export function encodeLoose(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}
