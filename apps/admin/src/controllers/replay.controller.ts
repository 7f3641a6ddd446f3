import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, CurrentCaller, Roles, type Caller } from '@lgsp/auth';
import { OperationsService, type ReplayResult } from '@lgsp/operations';
import { actorOf, bodyOf, confirmationOf } from '../operator-request';

/**
 * POST /admin/replay { source, target | dryRun, from, until, last, key, type, eventSource, rate,
 * allowTruncatedHistory, confirm }: a window of a topic copied into another, or counted.
 */
@Controller('admin/replay')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class ReplayController {
  constructor(private readonly operations: OperationsService) {}

  @Post()
  @HttpCode(200)
  replay(@Body() raw: unknown, @CurrentCaller() caller: Caller): Promise<ReplayResult> {
    const body = bodyOf(raw);
    return this.operations.replay(actorOf(caller), body, confirmationOf(body));
  }
}
