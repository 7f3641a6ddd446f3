import { createRequire } from 'node:module';

/** The part of kafkajs's per-connection request queue (src/network/requestQueue, 2.2.4) this fix relies on. */
interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for re-checking requests held back by broker throttling. */
const RECHECK_MS = 10;

let applied = false;

/**
 * kafkajs 2.2.4 (its last release) schedules its next queue check `throttledUntil - Date.now()` ms ahead
 * after every response, even when nothing waits and no throttle is set (throttledUntil = -1): a negative
 * delay, which Node 24 reports as a TimeoutNegativeWarning in every service at start, and a 1 ms loop
 * for as long as the connection is idle. Here the check is scheduled only when a request waits or a
 * throttle ends later; `push()` and each response schedule it again when needed, as before.
 */
export function fixRequestQueueTimer(): void {
  if (applied) return;
  applied = true;
  const load = createRequire(require.resolve('kafkajs'));
  const Queue = load('./src/network/requestQueue') as { prototype: RequestQueue };
  Queue.prototype.scheduleCheckPendingRequests = function (this: RequestQueue): void {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && untilUnthrottled <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      untilUnthrottled > 0 ? untilUnthrottled : RECHECK_MS,
    );
  };
}
