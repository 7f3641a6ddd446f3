/**
 * Groups concurrent calls into one batch: the first call of a batch schedules a flush on the next
 * turn of the event loop (or sooner, when maxSize is reached), and each caller gets its own result.
 * Used on the ingest path so that many concurrent HTTP publishes become one Kafka produce request
 * and one database statement, without adding a fixed linger delay to any single request.
 */
export class MicroBatcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxSize = 1000,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxSize) {
        this.run();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.run());
      }
    });
  }

  private run(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.flush(batch.map((p) => p.item)).then(
      (results) => {
        if (results.length !== batch.length) {
          const error = new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
          batch.forEach((p) => p.reject(error));
          return;
        }
        batch.forEach((p, i) => p.resolve(results[i]));
      },
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }
}
