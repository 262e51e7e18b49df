// Error replies as typed exceptions. Redis puts a code in the first word of every error (ERR, WRONGTYPE, NOPERM,
// WRONGPASS, OOM, COMPACTED…); callers branch on `code` or on the subclass instead of parsing messages.

/** An error reply from the registry. `code` is the first word of the reply, as Redis sends it. */
export class RegistryReplyError extends Error {
  override name = 'RegistryReplyError';
  constructor(
    readonly code: string,
    message: string,
    /** The command that failed, upper case (`HBEAT`, `WORKER.CLAIM`). */
    readonly command: string,
  ) {
    super(message);
  }
}

/** WRONGPASS or NOAUTH: the credentials are wrong or missing. Retrying does not help. */
export class AuthenticationError extends RegistryReplyError {
  override name = 'AuthenticationError';
}

/** NOPERM: the user may not run this command. Retrying does not help. */
export class PermissionError extends RegistryReplyError {
  override name = 'PermissionError';
}

/** COMPACTED: the event log no longer holds the revision asked for; read the full state again. */
export class CompactedError extends RegistryReplyError {
  override name = 'CompactedError';
}

const CLASS_BY_CODE: Record<string, typeof RegistryReplyError> = {
  WRONGPASS: AuthenticationError,
  NOAUTH: AuthenticationError,
  NOPERM: PermissionError,
  COMPACTED: CompactedError,
};

/** The typed form of an error reply (ioredis' ReplyError); anything else (a lost connection) is returned as is. */
export function typedError(e: unknown, command: string): unknown {
  if (!(e instanceof Error) || e instanceof RegistryReplyError || e.name !== 'ReplyError') return e;
  const code = /^[A-Z][A-Z0-9_-]*/.exec(e.message)?.[0] ?? 'ERR';
  const Class = CLASS_BY_CODE[code] ?? RegistryReplyError;
  return new Class(code, e.message, command.toUpperCase());
}

/** True for the errors after which reconnecting or retrying can never succeed. */
export function isFatal(e: unknown): e is AuthenticationError | PermissionError {
  return e instanceof AuthenticationError || e instanceof PermissionError;
}
