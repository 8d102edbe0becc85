/**
 * Set-up or scheduling failed while Redis seemed up: run the repair (a reconcile from the store)
 * once, a little later, from the earliest moment any failed request asked for.
 */
export class RepairTimer {
  private timer: NodeJS.Timeout | undefined;
  private since: Date | undefined;

  constructor(
    private readonly delayMs: number,
    /** Whether the repair may run now (not stopping; Redis up: a reconnect reconciles anyway). */
    private readonly canRun: () => boolean,
    private readonly repair: (since: Date) => void,
  ) {}

  request(since: Date): void {
    this.since = this.since && this.since < since ? this.since : since;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const from = this.since;
      this.since = undefined;
      if (from && this.canRun()) this.repair(from);
    }, this.delayMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
