import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthChecks, ObservabilityModule } from '@lgsp/observability';
import type { Database } from './database';
import { DATABASE, InjectDatabase, StoreModule } from './store.module';

describe(StoreModule.name, () => {
  const seenAtShutdown: string[] = [];

  /** A module's provider that still writes while the app shuts down (as the audit chain flushes). */
  @Injectable()
  class Writer implements OnApplicationShutdown {
    constructor(@InjectDatabase() private readonly db: Database) {}
    async onApplicationShutdown(): Promise<void> {
      const { rows } = await this.db.query<{ one: number }>('SELECT 1 AS one');
      seenAtShutdown.push(`query ${rows[0].one}`);
    }
  }

  @Module({ providers: [Writer] })
  class FeatureModule {}

  @Module({
    imports: [
      StoreModule.forRoot({ pgliteDir: 'memory' }),
      ObservabilityModule.forRoot({ service: 'spec', logLevel: 'silent' }),
      FeatureModule,
    ],
  })
  class AppModule {}

  it('reports the database in readiness and closes it after the modules that use it', async () => {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    await app.init();
    const db = app.get<Database>(DATABASE);
    expect(await app.get(HealthChecks).run()).toEqual({ ok: true, checks: { database: 'up' } });
    await app.close();
    expect(seenAtShutdown).toEqual(['query 1']);
    await expect(db.query('SELECT 1')).rejects.toThrow();
    // PGlite starts in seconds on a loaded machine.
  }, 60_000);
});
