import { Body, Controller, Get, Headers, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, CurrentCaller, Roles, type Caller } from '@lgsp/auth';
import { HubError } from '@lgsp/core';
import { parseBinaryEvent, parseStructuredEvent } from './cloudevent-parser';
import { IngestService, type Accepted, type BatchItemResult } from './ingest.service';
import { openApiDocument } from './openapi';

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';

type RequestHeaders = Record<string, string | string[] | undefined>;

/** The status of an answer depends on its outcome (202 accepted, 200 duplicate, 207 mixed batch). */
interface StatusReply {
  status(code: number): unknown;
}

function mediaType(headers: RequestHeaders): string {
  const value = headers['content-type'];
  return (typeof value === 'string' ? value : '').split(';')[0].trim().toLowerCase();
}

@Controller()
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  /** One endpoint for the three CloudEvents HTTP modes, chosen by content type; publishers only. */
  @Post('events')
  @UseGuards(ApiKeyGuard)
  @Roles('publisher')
  async publish(
    @CurrentCaller() caller: Caller,
    @Headers() headers: RequestHeaders,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: StatusReply,
  ): Promise<Accepted | { results: BatchItemResult[] }> {
    const type = mediaType(headers);
    if (type === BATCH) {
      if (!Array.isArray(body))
        throw new HubError('LGSP_ERR_CLOUDEVENT_INVALID', 'a batch must be a JSON array');
      const parsed = body.map((item: unknown, i: number) => {
        try {
          return parseStructuredEvent(item, `/${i}`);
        } catch (error) {
          if (error instanceof HubError) return error;
          throw error;
        }
      });
      const results = await this.ingest.publishBatch(caller, parsed);
      const allAccepted = results.every((r) => r.status === 200 || r.status === 202);
      reply.status(allAccepted ? 200 : 207);
      return { results };
    }
    if (type !== STRUCTURED && type !== 'application/json') {
      throw new HubError(
        'LGSP_ERR_UNSUPPORTED_MEDIA_TYPE',
        `use ${STRUCTURED}, ${BATCH}, or application/json with ce-* headers`,
      );
    }
    const event = type === STRUCTURED ? parseStructuredEvent(body) : parseBinaryEvent(headers, body);
    const result = await this.ingest.publish(caller, event);
    reply.status(result.status);
    return result;
  }

  @Get('openapi.json')
  @HttpCode(200)
  openapi(): unknown {
    return openApiDocument;
  }
}
