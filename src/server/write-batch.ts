// The end-of-turn write batch shared by every connection: replies wait in each connection's writer and leave
// in one socket write per connection per event-loop turn.

/** A connection as the batch sees it: something to flush, that contains its own failures. */
export interface Flushable {
  flushGuarded(): void;
}

// Replies are written at the end of the event-loop turn, for every connection that has some, as Redis does in
// beforeSleep: a client then finds its replies together instead of being woken for each one, which matters
// most where wake-ups are dear (virtual machines).
const toFlush = new Set<Flushable>();
let flushArmed = false;

export function scheduleFlush(c: Flushable): void {
  toFlush.add(c);
  if (!flushArmed) {
    flushArmed = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  flushArmed = false;
  const batch = [...toFlush];
  toFlush.clear();
  for (const c of batch) c.flushGuarded();
}
