// ASCII-only case folding for command names, subcommands and option tokens. Redis compares these byte by
// byte with ASCII rules; String.prototype.toUpperCase would also fold Unicode ('ſ' → 'S', 'K' (Kelvin) → 'k'),
// accepting names Redis refuses.

/** `s` with a–z turned into A–Z and every other character kept. */
export function asciiUpper(s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 97 && c <= 122 ? String.fromCharCode(c - 32) : s[i];
  }
  return out;
}

/** `s` with A–Z turned into a–z and every other character kept. */
export function asciiLower(s: string): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}
