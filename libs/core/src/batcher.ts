/**
 * Groups concurrent calls into one batch: the first call of a batch schedules a flush on the next
 * turn of the event loop (or sooner, when maxSize is reached), and each caller gets its own result.
 * Used on the ingest path so that many concurrent HTTP publishes become one Kafka produce request
 * and one database statement, without adding a fixed linger delay to any single request.
 *
 * With `serial`, at most one flush runs at a time (group commit): calls that arrive while a flush is
 * in flight wait for it and then go out together, so batches grow with the load instead of the
 * number of flushes. For writers whose flushes must not overlap, such as a hash chain.
 */
export class MicroBatcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private inFlight = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxSize = 1000,
    private readonly serial = false,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.serial && this.inFlight) return; // goes out when the flush in flight is done
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
    if (this.serial && this.inFlight) return;
    const batch = this.pending.splice(0, this.maxSize);
    if (batch.length === 0) return;
    this.inFlight = true;
    this.flush(batch.map((p) => p.item))
      .then(
        (results) => {
          if (results.length !== batch.length) {
            const error = new Error(
              `batch flush returned ${results.length} results for ${batch.length} items`,
            );
            batch.forEach((p) => p.reject(error));
            return;
          }
          batch.forEach((p, i) => p.resolve(results[i]));
        },
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.inFlight = false;
        if (this.pending.length > 0 && !this.scheduled) {
          this.scheduled = true;
          setImmediate(() => this.run());
        }
      });
  }
}
