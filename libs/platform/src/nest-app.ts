import 'reflect-metadata';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HubError } from '@lgsp/core';
import { LOGGER, type Logger } from '@lgsp/observability';
import { configureFastify } from './fastify-parsers';
import { ProblemFilter } from './problem.filter';

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

export interface FastifyAppOptions {
  /** largest request body in bytes (Fastify's default when absent) */
  bodyLimit?: number;
  /** the media types read as JSON (see configureFastify); Fastify's own parsers when absent */
  jsonTypes?: string[];
  /** with jsonTypes: keep each JSON body's bytes as `request.rawBody` (WithRawBody), for a hash taken over them */
  keepRawBody?: boolean;
  /** sees every error answered 500; by default the app's LOGGER (ObservabilityModule) logs it */
  onInternal?: (error: unknown) => void;
}

/**
 * A Nest app on Fastify with the hub's error format. Providers are created here (a resource that cannot
 * open fails this call, not the process); lifecycle hooks run when the app is initialised or listens.
 */
export async function createFastifyApp(
  module: Type<unknown> | DynamicModule,
  options: FastifyAppOptions = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    PlatformModule.around(module, options.onInternal),
    new FastifyAdapter({ bodyLimit: options.bodyLimit, clientErrorHandler: answerClientError }),
    { logger: ['error', 'warn'], bodyParser: false, abortOnError: false },
  );
  if (options.jsonTypes)
    configureFastify(app.getHttpAdapter().getInstance(), options.jsonTypes, {
      keepRawBody: options.keepRawBody,
    });
  return app;
}

/** The app's root module with the hub's global exception filter, which logs through LOGGER when there is one. */
@Module({})
class PlatformModule {
  static around(root: Type<unknown> | DynamicModule, onInternal?: (error: unknown) => void): DynamicModule {
    return {
      module: PlatformModule,
      imports: [root],
      providers: [
        {
          provide: APP_FILTER,
          inject: [{ token: LOGGER, optional: true }],
          useFactory: (logger?: Logger) => new ProblemFilter(onInternal ?? logInternal(logger)),
        },
      ],
    };
  }
}

/** Unhandled errors go to the app's logger (ObservabilityModule), else to stderr. */
function logInternal(logger: Logger | undefined): (error: unknown) => void {
  return (error) =>
    logger
      ? logger.error({ err: error }, 'unhandled error')
      : process.stderr.write(`unhandled error: ${error instanceof Error ? error.stack : String(error)}\n`);
}

/**
 * Creates the app, initialises it (every module's OnModuleInit: connections, topics, migrations; the
 * global resource modules first) and listens. A start that fails closes what was opened (Nest's shutdown hooks) before it rethrows.
 * `close()` is `app.close()`: Nest's hooks close the resources, the modules importing others first.
 */
export async function startNestApp(
  module: Type<unknown> | DynamicModule,
  options: FastifyAppOptions & {
    port: number;
    host: string;
    /** after the app is initialised (resources open) and before it listens: a hybrid app connects and
     * starts its transports here (`app.connectMicroservice(...)`, `app.startAllMicroservices()`) */
    beforeListen?: (app: NestFastifyApplication) => Promise<void>;
  },
): Promise<RunningApp & { app: NestFastifyApplication }> {
  const app = await createFastifyApp(module, options);
  let url: string;
  try {
    await app.init();
    await options.beforeListen?.(app);
    url = await listen(app, options.port, options.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, url, close: () => app.close() };
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over the limit, broken framing)
 * are answered as problem+json too, on the raw socket.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const problem =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HubError('LGSP_ERR_HEADERS_TOO_LARGE')
      : new HubError('LGSP_ERR_BAD_REQUEST', 'the HTTP request could not be parsed');
  const body = JSON.stringify(problem.toProblem());
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Bad Request'}\r\n` +
      `content-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

export async function listen(app: NestFastifyApplication, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

/** Starts an app, closes it cleanly on SIGINT/SIGTERM, and exits non-zero with a clear message if start-up fails. */
export function runUntilSignal(name: string, start: () => Promise<{ close(): Promise<void> }>): void {
  start().then(
    (running) => {
      const stop = (signal: string): void => {
        process.stderr.write(`${name}: ${signal}, shutting down\n`);
        running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            process.stderr.write(`${name}: shutdown failed: ${String(error)}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    (error: unknown) => {
      process.stderr.write(
        `${name}: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
