import { Command, Option } from 'commander';
import { logLevel } from 'kafkajs';
import { OperatorAudit, type AuditActor, type ChainReport, type TrailReport } from '@lgsp/audit';
import { Topics } from '@lgsp/contracts';
import { ApiKeyRegistry } from '@lgsp/auth';
import { ErrorCatalog, HubError, type ErrorCode } from '@lgsp/core';
import { createKafka, EventProducer } from '@lgsp/kafka';
import { listExchanges, MessageLog, verifyMessageLog, type MessageLogReport } from '@lgsp/message-log';
import { confirm, OperationsService, type Confirmation } from '@lgsp/operations';
import { openDatabase, type Database } from '@lgsp/store';
import type { CliConfig } from './cli.config';
import { askOnTerminal, Progress, table } from './terminal';

interface Globals {
  json?: boolean;
  yes?: boolean;
}

/** What the commands need, opened on first use and closed at the end. */
class Session {
  readonly kafka;
  private producer?: EventProducer;
  private service?: OperationsService;
  private actorCache?: AuditActor;
  private messageLogDb?: Database;

  constructor(private readonly config: CliConfig) {
    // Operators read the tool's own messages: the client library's retries of transient coordinator
    // errors would be noise, and errors that matter reach the command as exceptions.
    this.kafka = createKafka(config.kafka, { logLevel: logLevel.NOTHING });
  }

  /** The operator behind LGSP_API_KEY; every command that touches the hub needs one. */
  actor(): AuditActor {
    if (this.actorCache) return this.actorCache;
    const caller = ApiKeyRegistry.fromFile(this.config.callersFile).authenticateKey(
      this.config.apiKey,
      'operator',
    );
    this.actorCache = { id: caller.id, name: caller.name, role: caller.role };
    return this.actorCache;
  }

  get apiKey(): string {
    this.actor();
    return this.config.apiKey ?? '';
  }

  get auditConfig() {
    return this.config;
  }

  /** the operations, as the admin API runs them; actions are audited in a chain of this run's own */
  operations(): OperationsService {
    if (!this.service) {
      // connects on the first write: read-only commands never do
      const producer = (this.producer = new EventProducer(this.kafka));
      this.service = new OperationsService({
        kafka: this.kafka,
        settings: this.config.kafka,
        producer,
        audit: new OperatorAudit(producer, 'cli', this.config.audit.signer),
        keyring: this.config.audit.keyring,
      });
    }
    return this.service;
  }

  /** the URL of the service that owns a read model; a clear error for a model that does not exist */
  serviceUrl(model: string): string {
    const urls = this.config.serviceUrls;
    if (!Object.hasOwn(urls, model))
      throw new HubError(
        'LGSP_ERR_BAD_REQUEST',
        `unknown read model ${model}; known: ${Object.keys(urls).join(', ')}`,
      );
    return urls[model as keyof typeof urls];
  }

  /**
   * The national bridge's message log, read in its store (never written: the chain is the bridge's).
   * A store without it (the bridge never ran there) is a clear error, not an empty log.
   */
  async messageLog(): Promise<MessageLog> {
    const { store, schema, settings } = this.config.messageLog;
    const db = (this.messageLogDb ??= await openDatabase(store));
    const { rows } = await db.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
      `${schema}.exchange_head`,
    ]);
    if (!rows[0]?.found)
      throw new HubError(
        'LGSP_ERR_NOT_FOUND',
        `no message log in schema ${schema} of the ${store.databaseUrl ? 'PostgreSQL database (DATABASE_URL)' : `PGlite store ${store.pgliteDir}`}: has the national bridge run there?`,
      );
    return new MessageLog({
      db,
      producer: new EventProducer(this.kafka),
      signer: this.config.audit.signer,
      settings,
      schema,
    });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    await this.messageLogDb?.close();
  }
}

/**
 * Ctrl-C once: stop at the next safe point. Twice: leave at once. Listens from `listen()` (when the work
 * starts, after any question) until `dispose()`.
 */
function interruptible(): { signal: AbortSignal; listen: () => void; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after the batch in flight (Ctrl-C again to quit at once)…\n');
    controller.abort();
  };
  return {
    signal: controller.signal,
    listen: () => process.on('SIGINT', onSigint),
    dispose: () => process.off('SIGINT', onSigint),
  };
}

/**
 * The CLI's side of the confirmation rule: --yes confirms up front; otherwise the operator is asked on
 * the terminal, and without one the operation is refused rather than run unconfirmed.
 */
function confirmation(globals: Globals): Confirmation {
  return {
    confirmed: globals.yes ?? false,
    ask: process.stdin.isTTY && process.stderr.isTTY ? askOnTerminal : undefined,
    refusal: 'this operation needs confirmation and there is no terminal to ask on: pass --yes to confirm',
  };
}

function retention(ms: string | undefined): string {
  if (ms === undefined) return '?';
  if (ms === '-1') return 'forever';
  const hours = Number(ms) / 3_600_000;
  return hours >= 24 && hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`;
}

function print(globals: Globals, data: unknown, human: () => string): void {
  process.stdout.write(`${globals.json ? JSON.stringify(data, null, 2) : human()}\n`);
}

function dlqFilterOptions(command: Command): Command {
  return command
    .option('--code <code>', 'error code, e.g. LGSP_ERR_SCHEMA_INVALID')
    .option('--type <type>', 'CloudEvents type')
    .option('--topic <topic>', 'original topic')
    .option('--since <time>', 'failed at or after (ISO 8601 with zone)')
    .option('--until <time>', 'failed before (ISO 8601 with zone)');
}

/** the dead-letter filter options as the operations take them (checked there) */
const dlqFilter = ({ code, type, topic, since, until }: Record<string, unknown>) => ({
  code,
  type,
  topic,
  since,
  until,
});

/** A call to one of the hub's services, with a clear error when nothing answers at its configured URL. */
async function reach(
  service: string,
  setting: string,
  base: string,
  path: string,
  init: RequestInit,
): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new HubError(
      'LGSP_ERR_BAD_REQUEST',
      `${service} does not answer at ${base} (${setting}): ${cause?.code ?? cause?.message ?? String(error)}`,
    );
  }
}

/** One chain of an audit store, for people: tampering first, then what only needs a copy. */
function describeChain(r: ChainReport): string {
  const v = r.store;
  const lines = [
    v.ok
      ? `${r.name} chain ${r.chain}: intact, ${v.entries} entries (${v.signed} signed${v.unsigned ? `, ${v.unsigned} legacy unsigned: written before signing, hash links only` : ''})`
      : `${r.name} chain ${r.chain}: TAMPERED at entry ${v.firstBroken?.seq}: ${v.firstBroken?.reason} (${v.entries} entries read)`,
  ];
  const seqs = (s: { count: number; seqs: number[] }) =>
    `${s.count} (${s.seqs.join(', ')}${s.count > s.seqs.length ? ', …' : ''})`;
  if (r.anchor.problem) lines.push(`  TAMPERED: ${r.anchor.problem}`);
  else if (r.anchor.latest)
    lines.push(`  anchored at entry ${r.anchor.latest.seq} on ${r.anchor.latest.at}: reached`);
  else lines.push(`  no anchor in ${Topics.audit} yet`);
  if (r.topic.differs.count)
    lines.push(`  TAMPERED: the copy in ${Topics.audit} differs for ${seqs(r.topic.differs)} entries`);
  if (r.topic.onlyInTopic.count)
    lines.push(
      `  TAMPERED: ${seqs(r.topic.onlyInTopic)} entries are in ${Topics.audit} but not in the store`,
    );
  if (r.topic.missing.count)
    lines.push(`  MISSING from ${Topics.audit}: ${seqs(r.topic.missing)} entries (run with --repair)`);
  if (r.topic.notYetCopied.count)
    lines.push(
      `  not yet copied to ${Topics.audit}: ${seqs(r.topic.notYetCopied)} entries (the copier retries)`,
    );
  return lines.join('\n');
}

/** The message log's verdict, for people: where it breaks and which exchange that is, first. */
function describeMessageLog(r: MessageLogReport): string {
  const v = r.store;
  const lines = [
    v.ok
      ? `message log chain ${r.chain}: intact, ${v.entries} entries (${v.signed} signed)`
      : `message log chain ${r.chain}: TAMPERED at entry ${v.firstBroken?.seq}: ${v.firstBroken?.reason} (${v.entries} entries read)`,
  ];
  if (r.brokenEntry?.id)
    lines.push(
      `  entry ${r.brokenEntry.seq}: ${r.brokenEntry.direction} ${r.brokenEntry.service} at ${r.brokenEntry.at}, request ${r.brokenEntry.requestId}`,
    );
  if (r.anchor?.problem) lines.push(`  TAMPERED: ${r.anchor.problem}`);
  else if (r.anchor?.latest)
    lines.push(`  anchored at entry ${r.anchor.latest.seq} on ${r.anchor.latest.at}: reached`);
  else if (r.anchor) lines.push(`  no anchor in ${Topics.audit} yet`);
  else lines.push(`  anchors not read (--no-anchor)`);
  for (const p of r.bodies.problems)
    lines.push(`  TAMPERED: entry ${p.seq} (${p.service} ${p.requestId}): ${p.reason}`);
  lines.push(
    `  bodies: ${r.bodies.checked} checked against their signed digest${r.bodies.sealedUnopened ? `, ${r.bodies.sealedUnopened} sealed not opened (no LGSP_XROAD_LOG_BODY_KEY)` : ''}`,
  );
  return lines.join('\n');
}

export function buildCli(config: CliConfig): { program: Command; session: Session } {
  const session = new Session(config);
  const program = new Command('lgsp')
    .description("lgsp-hub operator tool: the hub's topics, replays, read-model rebuilds and dead letters")
    .option('--json', 'print JSON for machines instead of tables and progress')
    .option('-y, --yes', 'do not ask before bulk or destructive operations')
    .showHelpAfterError();
  const globals = () => program.opts<Globals>();

  program
    .command('topics')
    .description("the hub's topics with partitions, offsets and retained records")
    .action(async () => {
      session.actor();
      const topics = await session.operations().topics();
      print(globals(), topics, () =>
        table(
          topics.map((t) => ({
            topic: t.topic,
            partitions: t.partitions.length,
            records: t.records,
            retention: retention(t.config['retention.ms']),
            cleanup: t.config['cleanup.policy'] ?? '',
          })),
          ['topic', 'partitions', 'records', 'retention', 'cleanup'],
        ),
      );
    });

  program
    .command('lag')
    .description('consumer groups and how far behind each is, per topic')
    .option('--group <id>', 'only this group')
    .action(async (o: { group?: string }) => {
      session.actor();
      const groups = await session.operations().lag(o);
      print(globals(), groups, () =>
        table(
          groups.flatMap((g) =>
            (g.topics.length ? g.topics : [{ topic: '-', lag: 0 }]).map((t) => ({
              group: g.group,
              state: g.state,
              members: g.members,
              topic: t.topic,
              lag: t.lag,
            })),
          ),
          ['group', 'state', 'members', 'topic', 'lag'],
        ),
      );
    });

  program
    .command('replay')
    .description('copy a window of a topic into another topic (keys, headers, order and timestamps kept)')
    .argument('<source>', 'topic to read')
    .addOption(new Option('--to <topic>', 'topic to write into (created like the source if missing)'))
    .option('--dry-run', 'count what would move; write nothing')
    .option('--from <position>', 'earliest | latest | last:N | P:O,… | ISO 8601 time with zone')
    .option('--until <position>', 'end, exclusive (same forms, except last:N)')
    .option('--last <n>', 'the last N records of each partition')
    .option('--key <key>', 'only records with this key')
    .option('--type <type>', 'only this CloudEvents type')
    .option('--source <source>', 'only this CloudEvents source')
    .option('--rate <n>', 'write at most N records per second')
    .option(
      '--allow-truncated-history',
      'proceed when the range starts before what the topic still holds (those records are left out)',
    )
    .action(async (source: string, o: Record<string, unknown>) => {
      const actor = session.actor();
      const progress = new Progress('replay', globals().json ?? false);
      const interrupt = interruptible();
      const { to, source: eventSource, ...fields } = o;
      const result = await session
        .operations()
        .replay(actor, { ...fields, source, target: to, eventSource }, confirmation(globals()), {
          signal: interrupt.signal,
          onStart: (total) => {
            interrupt.listen();
            progress.start(total ?? 0);
          },
          onProgress: (done, total) => progress.update(done, total),
        })
        .finally(() => {
          interrupt.dispose();
          progress.stop();
        });
      print(globals(), result, () =>
        [
          ...result.historyGaps.map(
            (g) =>
              `WARNING: partition ${g.partition} starts at offset ${g.firstKept}: ${g.missing} record(s) asked for are gone and were left out`,
          ),
          `${result.dryRun ? 'dry run: would write' : 'wrote'} ${result.dryRun ? result.matched : result.written} of ${result.read} records read (${result.matched} matched the filter)`,
          result.interrupted
            ? `INTERRUPTED: every record before these offsets is done. Resume with: --from ${result.resumeFrom}`
            : 'complete',
        ].join('\n'),
      );
      if (result.interrupted) process.exitCode = 130;
    });

  program
    .command('rebuild')
    .description("rebuild a domain service's read model from its topic (built beside, then switched)")
    .argument('<model>', 'read model: dossier, land or health')
    .option(
      '--allow-truncated-history',
      'rebuild from what the topic still holds even when the start of its history is gone (those records are left out)',
    )
    .action(async (model: string, o: { allowTruncatedHistory?: boolean }) => {
      const url = session.serviceUrl(model);
      session.actor();
      await confirm(
        confirmation(globals()),
        () =>
          `Rebuild the ${model} read model from the beginning of its topic? Readers keep the current model until the switch.`,
      );
      const call = async (method: string, body?: object) => {
        const response = await reach(
          `the ${model} service`,
          `LGSP_${model.toUpperCase()}_URL`,
          url,
          '/admin/rebuild',
          {
            method,
            headers: {
              'x-api-key': session.apiKey,
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
          },
        );
        const answer = (await response.json()) as Record<string, unknown>;
        if (!response.ok) {
          // The service's own refusal keeps its code, so the operator sees what is wrong and what to do.
          const code =
            typeof answer.code === 'string' && answer.code in ErrorCatalog ? answer.code : undefined;
          throw new HubError(
            (code as ErrorCode | undefined) ?? 'LGSP_ERR_BAD_REQUEST',
            `${model} service answered ${response.status}: ${String(answer.detail ?? answer.title)}`,
          );
        }
        return answer as { id: string; state: string; processed: number; total: number } & Record<
          string,
          unknown
        >;
      };
      await call('POST', { allowTruncatedHistory: Boolean(o.allowTruncatedHistory) });
      let status = await call('GET');
      const progress = new Progress(`rebuild ${model}`, globals().json ?? false);
      progress.start(status.total);
      const { signal, listen, dispose } = interruptible();
      listen();
      let cancelled = false;
      while (status.state === 'running' || status.state === 'switching') {
        if (signal.aborted && !cancelled) {
          cancelled = true;
          await call('DELETE');
        }
        await new Promise((r) => setTimeout(r, 500));
        status = await call('GET');
        progress.update(status.processed, status.total);
      }
      dispose();
      progress.stop();
      print(globals(), status, () =>
        status.state === 'completed'
          ? `rebuilt ${model}: ${status.processed} records in, switched (rebuild ${status.id})`
          : status.state === 'cancelled'
            ? `cancelled: the live ${model} model is untouched; run the rebuild again to start over`
            : `rebuild ${status.state}: ${typeof status.error === 'string' ? status.error : ''}`,
      );
      if (status.state !== 'completed') process.exitCode = 1;
    });

  const dlq = program.command('dlq').description('dead letters in lgsp.dlq');
  dlqFilterOptions(dlq.command('list').description('dead letters, newest last'))
    .option('--all', 'include the ones already redriven')
    .action(async (o: Record<string, unknown>) => {
      session.actor();
      const entries = await session.operations().listDeadLetters(dlqFilter(o), Boolean(o.all));
      print(globals(), entries, () =>
        table(
          entries.map((e) => ({
            id: e.id,
            failedAt: e.failedAt,
            code: e.code,
            type: e.type ?? '',
            from: `${e.originalTopic}/${e.originalPartition}@${e.originalOffset}`,
            redriven: e.redriven ? e.redriven.at : '',
          })),
          ['id', 'failedAt', 'code', 'type', 'from', 'redriven'],
        ),
      );
    });
  dlq
    .command('show')
    .description('one dead letter with its headers and value')
    .argument('<id>', 'PARTITION:OFFSET in lgsp.dlq, as `dlq list` shows it')
    .action(async (id: string) => {
      session.actor();
      const detail = await session.operations().showDeadLetter(id);
      print(globals(), detail, () => JSON.stringify(detail, null, 2));
    });
  dlqFilterOptions(
    dlq
      .command('redrive')
      .description('send dead letters back to their original topic, each at most once')
      .argument('[ids...]', 'PARTITION:OFFSET ids; or select with the filters'),
  ).action(async (ids: string[], o: Record<string, unknown>) => {
    const actor = session.actor();
    const interrupt = interruptible();
    const result = await session
      .operations()
      .redrive(actor, { ids, filter: dlqFilter(o) }, confirmation(globals()), {
        signal: interrupt.signal,
        onStart: interrupt.listen,
      })
      .finally(interrupt.dispose);
    print(globals(), result, () =>
      [
        ...result.redriven.map((r) => `redriven ${r.id} -> ${r.topic}/${r.partition}@${r.offset}`),
        ...result.skipped.map((s) => `skipped ${s.id}: ${s.reason}`),
        result.interrupted ? 'INTERRUPTED: run the same command again to redrive the rest' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });

  program
    .command('audit')
    .description('the signed audit trail of personal-data reads and operator actions')
    .command('verify')
    .description(
      `check every link and signature in an audit store, its anchors, and its copy in ${Topics.audit} (exit 1 on a problem)`,
    )
    .option('--topic', `check the chains in ${Topics.audit} alone, against the published keys`)
    .option(
      '--repair',
      `copy entries missing from ${Topics.audit} again from the store (recorded as an operator action)`,
    )
    .option(
      '--service <name>',
      'the audit store to check: gateway, dossier, land, health or admin',
      'gateway',
    )
    .action(async (o: { topic?: boolean; repair?: boolean; service: string }) => {
      session.actor();
      if (o.topic) {
        // lgsp.audit holds several chains (one per audit store and kind, one per CLI run): each is checked.
        const chains = await session.operations().verifyAuditTopic();
        print(globals(), chains, () =>
          chains.length === 0
            ? `no chained entries in ${Topics.audit}`
            : chains
                .map(({ chain, verdict: v, anchor }) =>
                  v.ok && !anchor.problem
                    ? `chain ${chain}: intact, ${v.entries} entries (${v.signed} signed${v.unsigned ? `, ${v.unsigned} legacy unsigned` : ''})${anchor.latest ? `, anchored at ${anchor.latest.seq}` : ''}`
                    : `chain ${chain}: BROKEN ${anchor.problem ?? `at entry ${v.firstBroken?.seq}: ${v.firstBroken?.reason}`} (${v.entries} entries read)`,
                )
                .join('\n'),
        );
        if (chains.some((c) => !c.verdict.ok || c.anchor.problem)) process.exitCode = 1;
        return;
      }
      const config = session.auditConfig;
      const target: Record<string, [string, string]> = {
        gateway: [config.gatewayUrl, 'LGSP_GATEWAY_URL'],
        admin: [config.adminUrl, 'LGSP_ADMIN_URL'],
        ...Object.fromEntries(
          Object.entries(config.serviceUrls).map(([name, url]) => [
            name,
            [url, `LGSP_${name.toUpperCase()}_URL`],
          ]),
        ),
      };
      if (!Object.hasOwn(target, o.service))
        throw new HubError(
          'LGSP_ERR_BAD_REQUEST',
          `unknown service ${o.service}; known: ${Object.keys(target).join(', ')}`,
        );
      const [url, setting] = target[o.service];
      if (o.repair)
        await confirm(
          confirmation(globals()),
          () => `Copy the entries missing from ${Topics.audit} again from the ${o.service} store?`,
        );
      const response = await reach(
        `the ${o.service} service`,
        setting,
        url,
        o.repair ? '/admin/audit/repair' : '/admin/audit/verify',
        { method: o.repair ? 'POST' : 'GET', headers: { 'x-api-key': session.apiKey } },
      );
      if (!response.ok)
        throw new HubError(
          'LGSP_ERR_BAD_REQUEST',
          `the ${o.service} service answered ${response.status}: ${await response.text()}`,
        );
      const body = (await response.json()) as
        TrailReport | { copied: Record<string, number>; report: TrailReport };
      const report = 'report' in body ? body.report : body;
      print(globals(), body, () =>
        [
          ...('copied' in body
            ? [
                `repair: copied ${Object.entries(body.copied)
                  .map(([name, n]) => `${n} ${name}`)
                  .join(', ')} entries to ${Topics.audit}`,
              ]
            : []),
          ...report.chains.map(describeChain),
        ].join('\n'),
      );
      if (!report.ok) process.exitCode = 1;
    });

  const nationalLog = program
    .command('national')
    .description('the national bridge')
    .command('log')
    .description('the message log of national exchanges (signed and hash-chained)');
  nationalLog
    .command('verify')
    .description(
      `check every link, signature and kept body of the message log, and its latest anchor in ${Topics.audit} (exit 1 on a problem)`,
    )
    .option(
      '--no-anchor',
      `do not read ${Topics.audit} (the store alone: truncation of the last entries does not show)`,
    )
    .action(async (o: { anchor: boolean }) => {
      session.actor();
      const log = await session.messageLog();
      const progress = new Progress('verify message log', globals().json ?? false);
      progress.start((await log.chain.readHead()).seq);
      const report = await verifyMessageLog(log, config.audit.keyring, {
        kafka: o.anchor ? session.kafka : undefined,
        bodyKey: config.messageLog.settings.bodyKey,
        onProgress: (done, total) => progress.update(done, total),
      }).finally(() => progress.stop());
      print(globals(), report, () => describeMessageLog(report));
      if (!report.ok) process.exitCode = 1;
    });
  nationalLog
    .command('list')
    .description('the latest exchanges, oldest first: metadata only, never a body')
    .option('--limit <n>', 'how many', '20')
    .action(async (o: { limit: string }) => {
      session.actor();
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new HubError('LGSP_ERR_BAD_REQUEST', `--limit must be a positive integer, not ${o.limit}`);
      const rows = await listExchanges(await session.messageLog(), limit);
      print(globals(), rows, () =>
        table(
          rows.map((r) => ({ ...r, status: r.status ?? '', outcome: r.outcome ?? r.errorType ?? '' })),
          [
            'seq',
            'at',
            'direction',
            'service',
            'client',
            'requestId',
            'status',
            'outcome',
            'durationMs',
            'bodies',
          ],
        ),
      );
    });

  program
    .command('schemas')
    .description('event schemas')
    .command('check')
    .description('compile every schema and check that each new version is backward compatible (as CI does)')
    .action(() => {
      const result = session.operations().checkSchemas();
      print(globals(), result, () =>
        result.problems.length === 0
          ? `${result.types} event types compiled; every new version is backward compatible`
          : result.problems
              .map((p) => `INCOMPATIBLE ${p.type} v${p.from} -> v${p.to} at ${p.pointer}: ${p.reason}`)
              .join('\n'),
      );
      if (result.problems.length > 0) process.exitCode = 1;
    });

  return { program, session };
}
