import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import type { TrailReport } from '@lgsp/audit';
import { ApiKeyGuard, CurrentCaller, Roles, type Caller } from '@lgsp/auth';
import { OperationsService } from '@lgsp/operations';
import { actorOf } from '../operator-request';

/**
 * The audit trail of the operator actions taken through this API: its published keys (open to anyone
 * who verifies the trail), its chain verified against lgsp.audit, and a repair (operators).
 */
@Controller()
export class AuditController {
  constructor(private readonly operations: OperationsService) {}

  @Get('audit/keys')
  keys(): { keys: Record<string, string> } {
    return this.operations.auditKeys();
  }

  @Get('admin/audit/verify')
  @UseGuards(ApiKeyGuard)
  @Roles('operator')
  verify(): Promise<TrailReport> {
    return this.operations.verifyAuditTrail();
  }

  @Post('admin/audit/repair')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @Roles('operator')
  repair(@CurrentCaller() caller: Caller): ReturnType<OperationsService['repairAuditTrail']> {
    return this.operations.repairAuditTrail(actorOf(caller));
  }
}
