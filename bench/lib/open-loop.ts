/**
 * An open-loop load generator: request i goes out at start + i / rate, whether or not earlier
 * requests have been answered. A closed loop (send, wait, send) slows down exactly when the
 * system under test does, so its slow moments produce few samples and hide in the
 * percentiles ("coordinated omission"); a fixed timetable keeps sampling through them.
 */
export interface OpenLoopOptions {
  count: number;
  ratePerS: number;
  /** Sends request i; must not wait for its answer. */
  send(i: number): void;
  /** Called after each send with when it went out (performance.now()). */
  sent?(i: number, at: number): void;
}

export interface OpenLoopTimes {
  /** When each request went out (performance.now()). */
  sentAt: Float64Array;
  /** How late each send was against the timetable: the generator's own slack, in ms. */
  lagMs: Float64Array;
}

export function openLoop(options: OpenLoopOptions): Promise<OpenLoopTimes> {
  const { count, ratePerS, send } = options;
  const interval = 1000 / ratePerS;
  const sentAt = new Float64Array(count);
  const lagMs = new Float64Array(count);
  const start = performance.now() + interval;
  let next = 0;
  return new Promise((resolve, reject) => {
    const tick = () => {
      try {
        // Everything due goes out now: after a stall the backlog is sent at once, as clients
        // with their own clocks would have sent it.
        for (let due = start + next * interval; next < count && due <= performance.now(); due = start + next * interval) {
          send(next);
          const at = performance.now();
          sentAt[next] = at;
          lagMs[next] = at - due;
          options.sent?.(next, at);
          next++;
        }
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (next >= count) resolve({ sentAt, lagMs });
      else setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    };
    setTimeout(tick, interval);
  });
}
