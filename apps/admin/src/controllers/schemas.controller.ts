import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, Roles } from '@lgsp/auth';
import { OperationsService } from '@lgsp/operations';
import type { SchemaCheckResult } from '@lgsp/schema-registry';

/** The event schemas compiled and checked backward compatible, as CI does. */
@Controller('admin/schemas')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class SchemasController {
  constructor(private readonly operations: OperationsService) {}

  @Get('check')
  check(): SchemaCheckResult {
    return this.operations.checkSchemas();
  }
}
