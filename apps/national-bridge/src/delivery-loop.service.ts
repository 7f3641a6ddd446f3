import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DlqHeaders, Topics } from '@lgsp/contracts';
import type { ErrorCode } from '@lgsp/core';
import { EventProducer } from '@lgsp/kafka';
import {
  CircuitBreaker,
  isOutage,
  nextStep,
  reconcile,
  type CallOutcome,
  type CircuitBreakerOptions,
  type CircuitPermit,
  type NationalAdapter,
  type NationalCall,
  type RetryPolicy,
} from '@lgsp/national';
import { InjectLogger, type Logger } from '@lgsp/observability';
import { BridgeMetrics } from './bridge.metrics';
import { NATIONAL_ADAPTER } from './national-adapter.provider';
import { SyncRepository, type StoredCall } from './sync.repository';

export interface DeliverySettings {
  retry: RetryPolicy;
  breaker: CircuitBreakerOptions;
  /** dossiers delivered at the same time */
  concurrency: number;
  /** the consumer group named in the dead letters of parked calls */
  consumerGroup: string;
}

export const DELIVERY_SETTINGS = Symbol('LGSP_NATIONAL_DELIVERY_SETTINGS');

/** The header naming the parked call's place in the ledger, on its dead letter. */
export const ParkedCallHeader = 'lgsp_national_call';

/** What a parked call's dead letter holds: what `lgsp dlq redrive` writes back to lgsp.national.redrive. */
export interface RedriveRequest {
  dossierCode: string;
  seq: number;
  /** readable idempotency scope of the call (create/…, replace/…, progress/…) */
  scope: string;
  eventId: string;
  /** the call as it was sent, for the operator who reads the dead letter */
  call: NationalCall['body'];
}

/** How long a dossier waits when the half-open circuit's probe slots are taken. */
const PROBE_BUSY_MS = 250;
/** How long a dossier waits after the store failed under it (the store is down; readiness says so). */
const STORE_FAILURE_MS = 2_000;

/**
 * The delivery loop: sends every dossier's calls one at a time in event order, many dossiers at once (up to
 * `concurrency`), a failing dossier holding only its own later calls. Each try asks the circuit breaker
 * first; its outcome decides the next step (nextStep): done, retry after a back-off (a new session first
 * after `unauthorized`; a look at the national state first, `reconcile`, once any try had an unknown
 * outcome) or park. A parked call is written to lgsp.dlq with the national answer, then marked parked: its
 * dossier waits for `lgsp dlq redrive`, which writes the request back to lgsp.national.redrive.
 *
 * Only real tries count against a call's budget: tries refused by the open circuit and failed probes of a
 * half-open one do not, so an outage of the national side parks nothing. The ledger (SyncRepository) is the
 * truth; this class holds only timers, so after a restart it starts again from the ledger.
 */
@Injectable()
export class DeliveryLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly breaker: CircuitBreaker;
  /** dossier → when its next try may go (ms since epoch) */
  private readonly due = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** dossiers that got new calls while a try of theirs was in flight */
  private readonly woken = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private session: Promise<CallOutcome> | undefined;
  private loggedIn = false;
  private sessionGeneration = 0;
  /** probes of the half-open circuit in flight */
  private probing = 0;

  constructor(
    @Inject(NATIONAL_ADAPTER) private readonly adapter: NationalAdapter,
    @Inject(DELIVERY_SETTINGS) private readonly settings: DeliverySettings,
    private readonly repository: SyncRepository,
    private readonly producer: EventProducer,
    private readonly metrics: BridgeMetrics,
    @InjectLogger() private readonly log: Logger,
  ) {
    this.breaker = new CircuitBreaker(settings.breaker, Date.now, (from, to) =>
      this.log.warn({ from, to }, 'national circuit breaker changed state'),
    );
    metrics.circuitState = () => this.breaker.state;
  }

  /** After every module is initialised (ledger migrated, producer connected): pick up what the ledger holds. */
  async onApplicationBootstrap(): Promise<void> {
    this.running = true;
    for (const { code, notBefore } of await this.repository.deliverable())
      this.schedule(code, notBefore?.getTime() ?? Date.now());
  }

  /** Stops taking new tries, lets the ones in flight finish (their results are recorded), closes the adapter. */
  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight.values()]);
    await this.adapter.close();
  }

  /** New calls for these dossiers are in the ledger. */
  wake(codes: Iterable<string>): void {
    const now = Date.now();
    for (const code of codes) {
      if (this.inFlight.has(code)) this.woken.add(code);
      else if (!this.due.has(code)) this.due.set(code, now);
    }
    this.pump();
  }

  /** How many dossiers have a try due or in flight (for tests and logs). */
  get activeDossiers(): number {
    return new Set([...this.due.keys(), ...this.inFlight.keys()]).size;
  }

  private schedule(code: string, at: number): void {
    const known = this.due.get(code);
    if (known === undefined || at < known) this.due.set(code, at);
    this.pump();
  }

  /** Starts the tries that are due, up to the concurrency; sets a timer for the next one otherwise. */
  private pump(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    // While the national side is down nothing is tried: one timer for the circuit, not a round of every waiting
    // dossier (with a backlog of thousands, those rounds kept the event loop busy). Half-open, the probes go
    // alone; the others wait for the circuit to close.
    const circuit = this.breaker.state;
    if (circuit === 'open') {
      this.timer = setTimeout(() => this.pump(), Math.max(1, this.breaker.retryInMs()));
      return;
    }
    const limit = circuit === 'half-open' ? this.settings.breaker.halfOpenProbes : this.settings.concurrency;
    if (this.inFlight.size >= limit) return;
    const now = Date.now();
    let next = Infinity;
    for (const [code, at] of this.due) {
      if (this.inFlight.size >= limit) return;
      if (this.inFlight.has(code)) continue;
      if (at <= now) {
        this.due.delete(code);
        this.start(code);
      } else next = Math.min(next, at);
    }
    if (next !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(1, next - now));
  }

  private start(code: string): void {
    const work = this.deliverHead(code)
      .catch((error: unknown) => {
        this.log.error({ err: error, code }, 'delivery of a dossier failed in the store; trying again');
        return Date.now() + STORE_FAILURE_MS;
      })
      .then((nextAt) => {
        this.inFlight.delete(code);
        const woken = this.woken.delete(code);
        if (nextAt !== undefined) this.schedule(code, nextAt);
        else if (woken) this.schedule(code, Date.now());
        else this.pump();
      });
    this.inFlight.set(code, work);
  }

  /** One try of the dossier's first open call; returns when the dossier should be looked at again, if ever. */
  private async deliverHead(code: string): Promise<number | undefined> {
    if (!this.running) return undefined;
    // An open circuit answers without the store: during an outage every dossier comes here often.
    if (this.breaker.state === 'open') return Date.now() + Math.max(this.breaker.retryInMs(), 1);
    // nor does a half-open one whose probes are all out: a thousand dossiers must not each ask the store
    if (this.breaker.state === 'half-open' && this.probing >= this.settings.breaker.halfOpenProbes)
      return Date.now() + PROBE_BUSY_MS;
    const head = await this.repository.head(code);
    if (!head || head.state === 'parked') return undefined;
    if (head.notBefore && head.notBefore.getTime() > Date.now()) return head.notBefore.getTime();
    const permit = this.breaker.tryAcquire();
    if (!permit) return Date.now() + Math.max(this.breaker.retryInMs(), PROBE_BUSY_MS);
    if (permit.probe) this.probing++;
    try {
      return await this.tryCall(code, head, permit);
    } finally {
      if (permit.probe) this.probing--;
    }
  }

  /** The try itself, with the circuit's permit: settles the permit once and records what came of the try. */
  private async tryCall(code: string, head: StoredCall, permit: CircuitPermit): Promise<number | undefined> {
    let outcome = await this.ensureSession();
    const generation = this.sessionGeneration;
    let skipped = false;
    if (outcome.kind === 'delivered') {
      let call = head.call;
      // a replace goes again as it is whatever the lookup says (reconcile()): no lookup for it
      if (head.reconcile && call.kind !== 'replace') {
        const looked = await this.adapter
          .lookup(code)
          .catch((error: unknown) => ({ kind: 'failed' as const, outcome: this.unlogged(error) }));
        if (looked.kind === 'failed') outcome = looked.outcome;
        else {
          const decision = reconcile(call, looked.view);
          if (decision.kind === 'skip') skipped = true;
          else call = decision.call;
        }
      }
      // In doubt from the moment it leaves: should the bridge stop (or the store fail) before the outcome is
      // recorded, the next try looks first, so a create or step applied then is never sent a second time.
      if (!skipped && outcome.kind === 'delivered' && !head.reconcile && call.kind !== 'replace')
        await this.repository.markInDoubt(head);
      if (!skipped && outcome.kind === 'delivered')
        outcome = await this.adapter.send(call).catch((error: unknown) => this.unlogged(error));
    }
    if (isOutage(outcome)) permit.failed();
    else permit.succeeded();
    // A failed probe says the side is still down, not that this call is bad; an `unauthorized` that comes
    // after another call already dropped the session was never sent. Neither is a try of this call.
    const staleSession = outcome.kind === 'unauthorized' && !this.dropSession(generation);
    const tried = (permit.probe && isOutage(outcome)) || staleSession || skipped ? 0 : 1;
    const attempts = head.attempts + tried;
    this.metrics.tries.inc({ outcome: skipped ? 'skipped' : tried ? outcome.kind : 'not-counted' });

    if (skipped || outcome.kind === 'delivered') {
      await this.repository.finish(head, skipped ? 'skipped' : 'delivered', attempts, tried);
      this.metrics.delivered.inc({ kind: skipped ? 'skipped' : 'delivered' });
      return Date.now();
    }
    const reconcileNext = head.reconcile || outcome.kind === 'unknown';
    const error = publicError(outcome);
    if (tried === 0) {
      const wait = outcome.kind === 'unauthorized' ? 0 : Math.max(this.breaker.retryInMs(), PROBE_BUSY_MS);
      const notBefore = new Date(Date.now() + wait);
      await this.repository.retryLater(head, { attempts, tried, reconcile: reconcileNext, notBefore, error });
      return notBefore.getTime();
    }
    const step = nextStep(outcome, attempts, this.settings.retry);
    if (step.kind === 'park') {
      await this.deadLetter(head, outcome, step.reason, attempts);
      await this.repository.park(head, { attempts, tried, error });
      this.metrics.parked.inc({ reason: outcome.kind === 'rejected' ? 'rejected' : 'gave-up' });
      this.log.warn(
        { code, seq: head.seq, scope: head.call.idempotency.scope, attempts, outcome: outcome.kind },
        'national call parked in lgsp.dlq; the dossier is held until it is redriven',
      );
      return undefined;
    }
    if (step.kind === 'done') return Date.now(); // cannot happen: done is a delivered outcome
    const notBefore = new Date(Date.now() + step.delayMs);
    await this.repository.retryLater(head, { attempts, tried, reconcile: reconcileNext, notBefore, error });
    return notBefore.getTime();
  }

  /**
   * One login shared by every dossier: the first that needs a session logs in, the others wait for it. A
   * refused login is about the province's account, not about a dossier's call: it is an outage of the
   * national side for the calls (backed off, counted by the breaker), never a refusal that parks them.
   */
  private async ensureSession(): Promise<CallOutcome> {
    if (this.loggedIn) return { kind: 'delivered' };
    this.session ??= this.adapter
      .login()
      .catch((error: unknown) => this.unlogged(error))
      .then((outcome): CallOutcome => {
        this.session = undefined;
        if (outcome.kind === 'delivered') {
          this.loggedIn = true;
          this.sessionGeneration++;
        }
        if (outcome.kind !== 'rejected') return outcome;
        this.log.error(
          { status: outcome.status },
          'the national side refused the login of the province account',
        );
        return {
          kind: 'unavailable',
          reason: `login refused${outcome.status ? ` (HTTP ${outcome.status})` : ''}`,
        };
      });
    return this.session;
  }

  /**
   * The adapter is wrapped in the message log (LoggedNationalAdapter), which rejects when it could not record
   * an exchange: the exchange may have happened, so its outcome is unknown (reconciled before the next try),
   * never "delivered" without its log entry.
   */
  private unlogged(error: unknown): CallOutcome {
    this.log.error(
      { err: error },
      'an exchange with the national side could not be recorded in the message log',
    );
    return { kind: 'unknown', reason: 'LGSP_ERR_NATIONAL_LOG_UNAVAILABLE' };
  }

  /** Forgets the session a try used; false when it was forgotten already (by another dossier's try). */
  private dropSession(generation: number): boolean {
    if (!this.loggedIn || generation !== this.sessionGeneration) return false;
    this.loggedIn = false;
    return true;
  }

  /** The parked call in lgsp.dlq, with the national answer; redriven, it goes to lgsp.national.redrive. */
  private async deadLetter(head: StoredCall, outcome: CallOutcome, reason: string, attempts: number) {
    const code: ErrorCode =
      outcome.kind === 'rejected' ? 'LGSP_ERR_NATIONAL_REJECTED' : 'LGSP_ERR_NATIONAL_GAVE_UP';
    const request: RedriveRequest = {
      dossierCode: head.code,
      seq: head.seq,
      scope: head.call.idempotency.scope,
      eventId: head.call.eventId,
      call: head.call.body,
    };
    await this.producer.sendRaw(Topics.dlq, [
      {
        key: head.code,
        value: Buffer.from(JSON.stringify(request)),
        headers: {
          [DlqHeaders.originalTopic]: Topics.nationalRedrive,
          [DlqHeaders.originalPartition]: '0',
          // the request was never read from lgsp.national.redrive: it has no offset there yet
          [DlqHeaders.originalOffset]: '-1',
          [DlqHeaders.errorCode]: code,
          [DlqHeaders.errorDetail]: `${reason} (${attempts} tries)`.slice(0, 4000),
          [DlqHeaders.failedAt]: new Date().toISOString(),
          [DlqHeaders.consumerGroup]: this.settings.consumerGroup,
          [ParkedCallHeader]: `${head.code}#${head.seq}`,
        },
      },
    ]);
  }
}

/**
 * The failure as the delivery state shows it: kind, HTTP status, national error code, transport error code —
 * never a message text, which the national side may fill with the dossier's personal data.
 */
export function publicError(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case 'delivered':
      return 'delivered';
    case 'rejected':
      return [
        'rejected',
        outcome.status && `HTTP ${outcome.status}`,
        outcome.code && `error_code ${outcome.code}`,
      ]
        .filter(Boolean)
        .join(', ');
    case 'unauthorized':
      return 'unauthorized';
    case 'unavailable':
    case 'unknown': {
      const cause = /^(HTTP \d{3}|[A-Z][A-Z0-9_]+)/.exec(outcome.reason)?.[1];
      return cause ? `${outcome.kind}: ${cause}` : outcome.kind;
    }
  }
}
