/**
 * k6's whole-request timeouts without a Node timer per request. A timer per request made and
 * dropped a timer list of Node's own each time (the only timer of its length in flight): 3% of the
 * engine's CPU at 400 requests/s, measured with perf. Requests with the same timeout expire in the
 * order they started, so a list per timeout length, kept in that order, and one timer for its
 * oldest entry do the same work. Written here because Node's timers are the library for this and
 * are what it replaces; undici's own timeouts are per phase (headers, body), not per request.
 */

/** What a deadline list holds: the exchange itself carries its links, so joining allocates nothing. */
export interface Expiring {
  deadlineMs: number;
  newer: Expiring | undefined;
  older: Expiring | undefined;
  inList: DeadlineList | undefined;
  expire(): void;
}

class DeadlineList {
  private oldest: Expiring | undefined;
  private newest: Expiring | undefined;
  /** Armed while the list may hold an entry; left armed when its entry leaves early. */
  private timer: NodeJS.Timeout | undefined;
  private readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  add(item: Expiring): void {
    item.deadlineMs = performance.now() + this.timeoutMs;
    item.inList = this;
    item.older = this.newest;
    item.newer = undefined;
    if (this.newest === undefined) this.oldest = item;
    else this.newest.newer = item;
    this.newest = item;
    // the timer is left armed when its entry leaves: it finds a newer one when it fires and waits on
    if (this.timer === undefined) this.arm(item.deadlineMs);
  }

  remove(item: Expiring): void {
    if (item.older === undefined) this.oldest = item.newer;
    else item.older.newer = item.newer;
    if (item.newer === undefined) this.newest = item.older;
    else item.newer.older = item.older;
    item.older = undefined;
    item.newer = undefined;
    item.inList = undefined;
  }

  private arm(dueMs: number): void {
    // whole milliseconds, rounded up: a timer cut short would find nothing due
    this.timer = setTimeout(onTimer, Math.max(1, Math.ceil(dueMs - performance.now())), this);
    // what is in flight keeps the process alive through its sockets, not through its deadline
    this.timer.unref();
  }

  fire(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.oldest !== undefined && this.oldest.deadlineMs <= now) {
      const item = this.oldest;
      this.remove(item);
      item.expire();
    }
    if (this.oldest !== undefined) this.arm(this.oldest.deadlineMs);
    // a length no longer in use is let go (scripts may vary their timeouts)
    else if (lists.get(this.timeoutMs) === this) lists.delete(this.timeoutMs);
  }
}

function onTimer(list: DeadlineList): void {
  list.fire();
}

const lists = new Map<number, DeadlineList>();

/** Calls `item.expire()` once `timeoutMs` has passed, unless `clearDeadline(item)` comes first. */
export function setDeadline(item: Expiring, timeoutMs: number): void {
  let list = lists.get(timeoutMs);
  if (list === undefined) {
    list = new DeadlineList(timeoutMs);
    lists.set(timeoutMs, list);
  }
  list.add(item);
}

export function clearDeadline(item: Expiring): void {
  item.inList?.remove(item);
}
