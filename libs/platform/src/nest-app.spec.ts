import {
  Body,
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { startNestApp } from './nest-app';

describe(startNestApp.name, () => {
  const events: string[] = [];

  @Injectable()
  class Resource implements OnModuleInit, OnApplicationShutdown {
    onModuleInit(): void {
      events.push('resource opened');
    }
    onApplicationShutdown(): void {
      events.push('resource closed');
    }
  }

  @Module({ providers: [Resource], exports: [Resource] })
  class ResourceModule {}

  @Injectable()
  class FailsToStart implements OnModuleInit {
    onModuleInit(): void {
      throw new Error('cannot start');
    }
  }

  @Controller()
  class Routes {
    @Get('boom')
    boom(): never {
      throw new Error('secret detail');
    }

    @Post('echo')
    echo(@Body() body: unknown): unknown {
      return body;
    }
  }

  it('closes what was opened when a later module fails to start, and rethrows', async () => {
    events.length = 0;
    @Module({ imports: [ResourceModule], providers: [FailsToStart] })
    class Failing {}
    await expect(startNestApp(Failing, { port: 0, host: '127.0.0.1' })).rejects.toThrow('cannot start');
    expect(events).toEqual(['resource opened', 'resource closed']);
  });

  it('answers every error as problem+json and closes through the shutdown hooks', async () => {
    events.length = 0;
    @Module({ imports: [ResourceModule], controllers: [Routes] })
    class App {}
    const internal: unknown[] = [];
    const running = await startNestApp(App, {
      port: 0,
      host: '127.0.0.1',
      jsonTypes: ['application/json'],
      onInternal: (error) => internal.push(error),
    });
    try {
      const boom = await fetch(`${running.url}/boom`);
      expect(boom.status).toBe(500);
      expect(boom.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = await boom.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'LGSP_ERR_INTERNAL', instance: '/boom' });
      expect(body).not.toContain('secret detail');
      expect(internal).toEqual([new Error('secret detail')]);

      const missing = await fetch(`${running.url}/nowhere`);
      expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([
        404,
        'LGSP_ERR_NOT_FOUND',
      ]);

      const post = (body: string) =>
        fetch(`${running.url}/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      expect(await (await post('{"a":1}')).json()).toEqual({ a: 1 });
      const malformed = await post('{"a":');
      expect([malformed.status, ((await malformed.json()) as { code: string }).code]).toEqual([
        400,
        'LGSP_ERR_MALFORMED_JSON',
      ]);
    } finally {
      await running.close();
    }
    expect(events).toEqual(['resource opened', 'resource closed']);
  }, 30_000);
});
