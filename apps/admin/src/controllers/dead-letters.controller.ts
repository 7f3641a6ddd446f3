import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, CurrentCaller, Roles, type Caller } from '@lgsp/auth';
import {
  OperationsService,
  type DeadLetterDetail,
  type DeadLetterEntry,
  type Input,
  type RedriveResult,
} from '@lgsp/operations';
import { actorOf, bodyOf, confirmationOf } from '../operator-request';

/** Dead letters in lgsp.dlq: listed, shown, redriven. */
@Controller('admin/dlq')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class DeadLettersController {
  constructor(private readonly operations: OperationsService) {}

  /** ?code=&type=&topic=&since=&until=, and all=true to include the ones already redriven */
  @Get()
  list(@Query() query: Input): Promise<DeadLetterEntry[]> {
    return this.operations.listDeadLetters(query, query.all === 'true');
  }

  /** { ids: ["P:O", …] } or { filter: { code, type, topic, since, until } }, and "confirm": true */
  @Post('redrive')
  @HttpCode(200)
  redrive(@Body() raw: unknown, @CurrentCaller() caller: Caller): Promise<RedriveResult> {
    const body = bodyOf(raw);
    return this.operations.redrive(actorOf(caller), body, confirmationOf(body));
  }

  @Get(':id')
  show(@Param('id') id: string): Promise<DeadLetterDetail> {
    return this.operations.showDeadLetter(id);
  }
}
