import { Body, Controller, Delete, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { AuditTrail } from '@lgsp/audit';
import { ApiKeyGuard, CurrentCaller, Roles, type Caller } from '@lgsp/auth';
import { HubError } from '@lgsp/core';
import { LOGGER, type Logger } from '@lgsp/observability';
import { ReadModelRebuild, type ReadModel, type RebuildStatus } from './read-model-rebuild';

/** The domain whose read model the service holds (its name in the operator audit trail). */
export const SERVICE_DOMAIN = Symbol('LGSP_SERVICE_DOMAIN');

/**
 * A read model's admin endpoints (operator role): POST starts a rebuild (202; body
 * `{"allowTruncatedHistory": true}` to rebuild from a topic whose start is gone, 409 otherwise), GET
 * reports it, DELETE cancels it. Start and end are written to the operator chain with the operator's identity.
 */
@Controller('admin/rebuild')
@UseGuards(ApiKeyGuard)
@Roles('operator')
export class RebuildController {
  constructor(
    private readonly rebuild: ReadModelRebuild<ReadModel>,
    private readonly audit: AuditTrail,
    @Inject(SERVICE_DOMAIN) private readonly target: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post()
  @HttpCode(202)
  async start(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<RebuildStatus> {
    const allowTruncatedHistory = allowTruncated(body);
    const status = await this.rebuild.start(caller.id, { allowTruncatedHistory });
    const actor = { id: caller.id, name: caller.name, role: caller.role };
    const params = { rebuildId: status.id, ...(allowTruncatedHistory ? { allowTruncatedHistory } : {}) };
    const base = { actor, action: 'rebuild', target: this.target, params };
    await this.audit.operator.record({ ...base, outcome: 'started' });
    void this.rebuild.finished().then(async (end) => {
      if (!end) return;
      const outcome =
        end.state === 'completed' ? 'completed' : end.state === 'cancelled' ? 'interrupted' : 'failed';
      await this.audit.operator
        .record({ ...base, outcome, result: { ...end } })
        .catch((error: unknown) => this.logger.error({ err: error }, 'unhandled error'));
    });
    return status;
  }

  @Get()
  report(): RebuildStatus {
    return found(this.rebuild.status());
  }

  @Delete()
  async cancel(): Promise<RebuildStatus> {
    return found(await this.rebuild.cancel());
  }
}

function found(status: RebuildStatus | undefined): RebuildStatus {
  if (!status) throw new HubError('LGSP_ERR_NOT_FOUND', 'no rebuild has run since the service started');
  return status;
}

/** `allowTruncatedHistory` from a POST body: absent or a boolean, nothing else. */
function allowTruncated(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  const value = typeof body === 'object' ? (body as Record<string, unknown>).allowTruncatedHistory : body;
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new HubError('LGSP_ERR_BAD_REQUEST', 'allowTruncatedHistory must be true or false');
  return value;
}
