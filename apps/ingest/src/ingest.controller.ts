import { Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { presentedKey } from '@lgsp/auth';
import { HubError } from '@lgsp/core';
import { parseBinaryEvent, parseStructuredEvent } from './cloudevent-parser';
import { IngestService } from './ingest.service';
import { openApiDocument } from './openapi';

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

@Controller()
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /** One endpoint for the three CloudEvents HTTP modes, chosen by content type. */
  @Post('events')
  async publish(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const caller = await this.ingest.authenticate(presentedKey(request.headers));
    const type = mediaType(request);
    if (type === BATCH) {
      if (!Array.isArray(request.body))
        throw new HubError('LGSP_ERR_CLOUDEVENT_INVALID', 'a batch must be a JSON array');
      const parsed = request.body.map((item: unknown, i: number) => {
        try {
          return parseStructuredEvent(item, `/${i}`);
        } catch (error) {
          if (error instanceof HubError) return error;
          throw error;
        }
      });
      const results = await this.ingest.publishBatch(caller, parsed);
      const allAccepted = results.every((r) => r.status === 200 || r.status === 202);
      await reply.status(allAccepted ? 200 : 207).send({ results });
      return;
    }
    if (type !== STRUCTURED && type !== 'application/json') {
      throw new HubError(
        'LGSP_ERR_UNSUPPORTED_MEDIA_TYPE',
        `use ${STRUCTURED}, ${BATCH}, or application/json with ce-* headers`,
      );
    }
    const event =
      type === STRUCTURED
        ? parseStructuredEvent(request.body)
        : parseBinaryEvent(request.headers, request.body);
    const result = await this.ingest.publish(caller, event);
    await reply.status(result.status).send(result);
  }

  @Get('openapi.json')
  @HttpCode(200)
  openapi(): unknown {
    return openApiDocument;
  }
}
