import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import type { CircuitState } from '@lgsp/national';
import { MetricsRegistry } from '@lgsp/observability';
import { SyncRepository } from './sync.repository';

/** The circuit state as a number, for a gauge: 0 closed, 1 half-open, 2 open. */
export const CircuitStateValue: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The bridge's metrics. Counters move as calls are tried; the gauges of the ledger (pending, parked, oldest
 * pending age) are read from the store when /metrics is scraped, so they are true after a restart too.
 */
@Injectable()
export class BridgeMetrics {
  readonly tries: Counter<'outcome'>;
  readonly delivered: Counter<'kind'>;
  readonly parked: Counter<'reason'>;
  readonly planned: Counter;
  readonly skipped: Counter<'reason'>;
  /** set by the delivery loop: where the circuit breaker stands now */
  circuitState: () => CircuitState = () => 'closed';

  constructor(registry: MetricsRegistry, repository: SyncRepository) {
    const registers = [registry];
    this.tries = new Counter({
      name: 'lgsp_national_tries_total',
      help: 'Tries of national calls, by outcome (tries refused by an open circuit are not tries)',
      labelNames: ['outcome'],
      registers,
    });
    this.delivered = new Counter({
      name: 'lgsp_national_delivered_total',
      help: 'National calls done: applied (delivered) or found applied after an unknown outcome (skipped)',
      labelNames: ['kind'],
      registers,
    });
    this.parked = new Counter({
      name: 'lgsp_national_parked_total',
      help: 'National calls parked in lgsp.dlq (refused, or failed on every try)',
      labelNames: ['reason'],
      registers,
    });
    this.planned = new Counter({
      name: 'lgsp_national_planned_total',
      help: 'National calls planned from dossier events',
      registers,
    });
    this.skipped = new Counter({
      name: 'lgsp_national_skipped_events_total',
      help: 'Dossier records that planned nothing: not valid, or refused by the lifecycle',
      labelNames: ['reason'],
      registers,
    });
    let totals: Promise<Awaited<ReturnType<SyncRepository['totals']>>> | undefined;
    // one read of the ledger per scrape, shared by the three gauges
    const read = () =>
      (totals ??= repository.totals().finally(() => setTimeout(() => (totals = undefined), 0)));
    new Gauge({
      name: 'lgsp_national_pending_calls',
      help: 'National calls waiting to be delivered (parked ones excluded)',
      registers,
      async collect() {
        this.set((await read()).pending);
      },
    });
    new Gauge({
      name: 'lgsp_national_parked_calls',
      help: 'National calls parked now, each holding its dossier until redriven',
      registers,
      async collect() {
        this.set((await read()).parked);
      },
    });
    new Gauge({
      name: 'lgsp_national_oldest_pending_age_seconds',
      help: 'Age of the oldest national call waiting to be delivered (0 when none)',
      registers,
      async collect() {
        const oldest = (await read()).oldestPending;
        this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
      },
    });
    const state = () => this.circuitState();
    new Gauge({
      name: 'lgsp_national_circuit_state',
      help: 'Circuit breaker towards the national side: 0 closed, 1 half-open, 2 open',
      registers,
      collect() {
        this.set(CircuitStateValue[state()]);
      },
    });
  }
}
