// MONITOR's lines, in Redis' format: `1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`, each argument quoted
// as Redis' sdscatrepr does, passwords replaced by "(redacted)" as Redis does for AUTH and HELLO … AUTH.

import { asciiLower, asciiUpper } from '../../settings/values.js';

const REDACTED = Buffer.from('(redacted)');

/** Arguments with secrets replaced, for MONITOR and SLOWLOG: AUTH's arguments, HELLO's AUTH user and password. */
export function redactedArgs(argc: number, arg: (i: number) => Buffer): Buffer[] {
  const out = new Array<Buffer>(argc);
  for (let i = 0; i < argc; i++) out[i] = arg(i);
  const name = asciiLower(out[0]!.toString('latin1'));
  if (name === 'auth') for (let i = 1; i < argc; i++) out[i] = REDACTED;
  else if (name === 'hello') {
    for (let i = 2; i < argc; i++) {
      if (asciiUpper(out[i]!.toString('latin1')) === 'AUTH') {
        for (let j = i + 1; j <= i + 2 && j < argc; j++) out[j] = REDACTED;
        i += 2;
      }
    }
  }
  return out;
}

/** One argument as Redis quotes it: printable ASCII as is, \\ \" \n \r \t \a \b escaped, other bytes \xHH. */
export function quoteArg(b: Buffer): string {
  let s = '"';
  for (const c of b) {
    switch (c) {
      case 0x5c:
        s += '\\\\';
        break;
      case 0x22:
        s += '\\"';
        break;
      case 0x0a:
        s += '\\n';
        break;
      case 0x0d:
        s += '\\r';
        break;
      case 0x09:
        s += '\\t';
        break;
      case 0x07:
        s += '\\a';
        break;
      case 0x08:
        s += '\\b';
        break;
      default:
        s += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return s + '"';
}

/** `seconds.micros [0 addr] "arg" …` for a command run by a client at `addr`. */
export function monitorLine(epochMicros: number, addr: string, args: readonly Buffer[]): string {
  const seconds = Math.floor(epochMicros / 1e6);
  const micros = Math.floor(epochMicros - seconds * 1e6);
  let line = `${seconds}.${String(micros).padStart(6, '0')} [0 ${addr}]`;
  for (const a of args) line += ' ' + quoteArg(a);
  return line;
}
