/**
 * The requests still being answered after their ack, so stop() can let them finish and tests
 * can wait for "everything received so far is done" instead of sleeping.
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
}
