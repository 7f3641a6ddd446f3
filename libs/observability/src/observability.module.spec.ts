import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Counter } from 'prom-client';
import { HealthChecks, LOGGER, ObservabilityModule } from './observability.module';
import { MetricsRegistry } from './observability';

describe(ObservabilityModule.name, () => {
  let healthy = true;

  @Injectable()
  class Dependency implements OnModuleInit {
    constructor(
      private readonly checks: HealthChecks,
      readonly metrics: MetricsRegistry,
    ) {}
    onModuleInit(): void {
      this.checks.add({ name: 'always', check: async () => undefined });
      this.checks.add({
        name: 'dependency',
        check: async () => {
          if (!healthy) throw new Error('refused');
        },
      });
      new Counter({ name: 'lgsp_test_total', help: 'test', registers: [this.metrics] }).inc();
    }
  }

  @Module({
    imports: [ObservabilityModule.forRoot({ service: 'spec', logLevel: 'silent' })],
    providers: [Dependency],
  })
  class AppModule {}

  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  const get = (url: string) => app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

  it('answers liveness without running the checks', async () => {
    healthy = false;
    const response = await get('/health/live');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'up' });
  });

  it('reports every check other modules added, 503 while one is down', async () => {
    healthy = false;
    let response = await get('/health/ready');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'down',
      checks: { always: 'up', dependency: 'down: refused' },
    });
    healthy = true;
    response = await get('/health/ready');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'up', checks: { always: 'up', dependency: 'up' } });
  });

  it('serves the metrics of the one registry, labelled with the app', async () => {
    const response = await get('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(app.get(MetricsRegistry).contentType);
    expect(response.body).toContain('lgsp_test_total{app="spec"} 1');
    expect(response.body).toContain('process_cpu_seconds_total');
  });

  it('provides a pino logger named after the app', () => {
    expect(app.get<{ bindings(): { name?: string } }>(LOGGER).bindings()).toMatchObject({ name: 'spec' });
    expect(app.get<{ level: string }>(LOGGER).level).toBe('silent');
  });

  it('refuses a check name added twice', () => {
    const checks = new HealthChecks();
    checks.add({ name: 'database', check: async () => undefined });
    expect(() => checks.add({ name: 'database', check: async () => undefined })).toThrow(/twice/);
  });
});
