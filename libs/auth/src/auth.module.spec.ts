import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Catch,
  Controller,
  Get,
  Module,
  UseGuards,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HubError } from '@lgsp/core';
import { hashApiKey, type Caller } from './api-keys';
import { ApiKeyGuard, AuthModule, CurrentCaller, Roles } from './auth.module';

@Controller()
@UseGuards(ApiKeyGuard)
@Roles('operator')
class GuardedController {
  @Get('operators')
  operators(@CurrentCaller() caller: Caller): { id: string } {
    return { id: caller.id };
  }

  @Get('publishers')
  @Roles('publisher', 'gateway')
  publishers(@CurrentCaller() caller: Caller): { id: string } {
    return { id: caller.id };
  }
}

@Controller()
class OpenController {
  @Get('open')
  open(@CurrentCaller() caller: Caller): { id: string } {
    return { id: caller.id };
  }
}

/** The hub's errors with their status (the platform's ProblemFilter does this in the apps). */
@Catch(HubError)
class StatusFilter implements ExceptionFilter {
  catch(error: HubError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<{ status(code: number): { send(body: unknown): void } }>()
      .status(error.status)
      .send({ code: error.code });
  }
}

describe(AuthModule.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-auth-'));
  const callersFile = join(dir, 'callers.json');
  writeFileSync(
    callersFile,
    JSON.stringify({
      callers: [
        { id: 'ops', name: 'Ops', role: 'operator', keySha256: hashApiKey('operator-key') },
        { id: 'agency', name: 'Agency', role: 'publisher', keySha256: hashApiKey('publisher-key') },
      ],
    }),
  );

  @Module({ imports: [AuthModule.forRoot(callersFile)], controllers: [GuardedController, OpenController] })
  class AppModule {}

  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new StatusFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  const get = (url: string, headers: Record<string, string> = {}) =>
    app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers });

  it('refuses a request without a credential or with an unknown one (401)', async () => {
    expect((await get('/operators')).json()).toEqual({ code: 'LGSP_ERR_UNAUTHENTICATED' });
    const unknown = await get('/operators', { 'x-api-key': 'nobody' });
    expect([unknown.statusCode, unknown.json()]).toEqual([401, { code: 'LGSP_ERR_UNAUTHENTICATED' }]);
  });

  it("checks the class's roles, and hands the caller to the handler", async () => {
    const refused = await get('/operators', { 'x-api-key': 'publisher-key' });
    expect([refused.statusCode, refused.json()]).toEqual([403, { code: 'LGSP_ERR_FORBIDDEN' }]);
    const ok = await get('/operators', { authorization: 'Bearer operator-key' });
    expect([ok.statusCode, ok.json()]).toEqual([200, { id: 'ops' }]);
  });

  it("lets a handler's roles replace the class's", async () => {
    expect((await get('/publishers', { 'x-api-key': 'operator-key' })).statusCode).toBe(403);
    expect((await get('/publishers', { 'x-api-key': 'publisher-key' })).json()).toEqual({ id: 'agency' });
  });

  it('has no caller to give on a route the guard does not guard', async () => {
    expect((await get('/open', { 'x-api-key': 'operator-key' })).statusCode).toBe(500);
  });
});
