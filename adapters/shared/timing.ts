/**
 * The work's result, or undefined once `ms` have passed first; the work itself goes on. For
 * answers that must start within a platform's deadline (Discord's and Slack's 3 s).
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The requests still being answered, so stop() can let them finish and tests can wait for
 * "everything received so far is done" instead of sleeping.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  run<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  get size(): number {
    return this.running.size;
  }

  /** Resolves when nothing is running, including work that started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running]);
    }
  }

  /** Waits for the work in flight, but no longer than `ms`: a stuck request must not hold up a shutdown. */
  async drain(ms: number): Promise<void> {
    if (this.running.size > 0) await within(this.idle(), ms);
  }
}
