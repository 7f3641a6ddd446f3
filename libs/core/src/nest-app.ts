import 'reflect-metadata';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HubError } from './errors';
import { ProblemFilter } from './problem.filter';

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** A Nest app on Fastify with the hub's error format; the caller registers routes and listens. */
export async function createFastifyApp(
  module: DynamicModule,
  options: { bodyLimit?: number; onInternal: (error: unknown) => void },
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: options.bodyLimit, clientErrorHandler: answerClientError }),
    {
      logger: ['error', 'warn'],
      bodyParser: false,
    },
  );
  app.useGlobalFilters(new ProblemFilter(options.onInternal));
  return app;
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
