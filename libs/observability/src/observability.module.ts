import { Controller, Get, Inject, Injectable, Module, Res, type DynamicModule } from '@nestjs/common';
import { createLogger, MetricsRegistry, runHealthChecks, type HealthCheck } from './observability';

/** Injection token of the app's pino logger. */
export const LOGGER = Symbol('LGSP_LOGGER');

/**
 * The readiness checks of an app: each provider that owns a dependency adds its own (the store its
 * database, the Kafka module the cluster, an app its consumers), and /health/ready runs them all.
 */
@Injectable()
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();

  /** Adds a check; a name is reported once, so adding one twice is a mistake in the wiring. */
  add(check: HealthCheck): void {
    if (this.checks.has(check.name)) throw new Error(`readiness check ${check.name} is added twice`);
    this.checks.set(check.name, check);
  }

  list(): HealthCheck[] {
    return [...this.checks.values()];
  }

  run(): ReturnType<typeof runHealthChecks> {
    return runHealthChecks(this.list());
  }
}

/** The part of a Fastify reply the ops routes use. */
interface OpsReply {
  status(code: number): OpsReply;
  header(name: string, value: string): OpsReply;
  send(body: unknown): OpsReply;
}

/** /health/live, /health/ready and Prometheus /metrics, the same on every app. */
@Controller()
export class OpsController {
  constructor(
    private readonly checks: HealthChecks,
    private readonly metrics: MetricsRegistry,
  ) {}

  @Get('health/live')
  live(): { status: 'up' } {
    return { status: 'up' };
  }

  /** 200 when every check passes, else 503; the reply is written here because its status varies. */
  @Get('health/ready')
  async ready(@Res() reply: OpsReply): Promise<void> {
    const result = await this.checks.run();
    reply.status(result.ok ? 200 : 503).send({ status: result.ok ? 'up' : 'down', checks: result.checks });
  }

  @Get('metrics')
  async prometheus(@Res({ passthrough: true }) reply: OpsReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.metrics();
  }
}

export interface ObservabilityOptions {
  /** the app's name: the logger's `name` and the metrics' `app` label */
  service: string;
  logLevel?: string;
}

/**
 * Logs, metrics and health of one app. Global: every module may inject LOGGER, MetricsRegistry and
 * HealthChecks; the app answers /health/live, /health/ready and /metrics.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      controllers: [OpsController],
      providers: [
        { provide: LOGGER, useFactory: () => createLogger(options.service, options.logLevel) },
        { provide: MetricsRegistry, useFactory: () => new MetricsRegistry(options.service) },
        HealthChecks,
      ],
      exports: [LOGGER, MetricsRegistry, HealthChecks],
    };
  }
}

/** For constructor parameters: `@InjectLogger() log: Logger`. */
export const InjectLogger = (): PropertyDecorator & ParameterDecorator => Inject(LOGGER);
