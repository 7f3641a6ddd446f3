import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, Roles } from '@lgsp/auth';
import { OperationsService, type GroupLag, type Input, type TopicOverview } from '@lgsp/operations';

/** The hub's topics and its consumer groups' lag. */
@Controller('admin')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class TopicsController {
  constructor(private readonly operations: OperationsService) {}

  @Get('topics')
  topics(): Promise<TopicOverview[]> {
    return this.operations.topics();
  }

  /** ?group=<id>: that group alone */
  @Get('lag')
  lag(@Query() query: Input): Promise<GroupLag[]> {
    return this.operations.lag(query);
  }
}
