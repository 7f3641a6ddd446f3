import { createHash, timingSafeEqual } from 'node:crypto';
import {
  All,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Injectable,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HubError } from '@lgsp/core';
import { DvcqgDefaultPaths, IdempotencyKeyHeader, ProtocolVersion } from '@lgsp/national';
import type { NationalSimConfig } from './national-sim.config';
import { NATIONAL_SIM_CONFIG, NationalSim } from './national-sim.service';
import { XRoadFront } from './national-sim.xroad';

/** The DVCQG sync calls, as the national side serves them (login, then the sync calls with the session). */
@Controller()
export class DvcqgController {
  constructor(private readonly sim: NationalSim) {}

  @Post(DvcqgDefaultPaths.login)
  login(@Body() body: unknown, @Res() reply: FastifyReply): Promise<void> {
    return this.sim.serve({ call: 'login', path: DvcqgDefaultPaths.login, body }, reply);
  }

  @Post(DvcqgDefaultPaths.sync)
  sync(
    @Body() body: unknown,
    @Headers(IdempotencyKeyHeader) key: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.sim.serve(
      { call: 'sync', path: DvcqgDefaultPaths.sync, body, idempotencyKey: key || undefined },
      reply,
    );
  }
}

/** The same calls in the X-Road REST form, behind the portal's security server: /r1/{service}/{call}. */
@Controller(ProtocolVersion)
export class XRoadController {
  constructor(private readonly front: XRoadFront) {}

  @All('*')
  serve(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.front.serve(request, reply);
  }
}

/** /sim/* asks for the control token when one is configured (NATIONAL_SIM_CONTROL_TOKEN). */
@Injectable()
export class ControlTokenGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(NATIONAL_SIM_CONFIG) config: NationalSimConfig) {
    this.expected = config.controlToken ? digest(config.controlToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (token && timingSafeEqual(digest(token), this.expected)) return true;
    throw new HubError('LGSP_ERR_UNAUTHENTICATED', 'the simulator control token is required');
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** What the simulator received, and the faults it injects: for tests and the README tour. */
@Controller('sim')
@UseGuards(ControlTokenGuard)
export class SimController {
  constructor(private readonly sim: NationalSim) {}

  @Get('dossiers')
  dossiers(): { dossiers: string[] } {
    return { dossiers: this.sim.state.dossierCodes() };
  }

  @Get('dossiers/:code')
  dossier(@Param('code') code: string): unknown {
    const d = this.sim.state.dossier(code);
    if (!d) throw new HubError('LGSP_ERR_NOT_FOUND', `the simulator holds no dossier ${code}`);
    return d;
  }

  @Get('calls')
  calls(@Query('MaHoSo') MaHoSo?: string, @Query('service') service?: string): unknown {
    return { calls: this.sim.state.calls({ MaHoSo, service }) };
  }

  @Get('faults')
  faults(): unknown {
    return this.sim.faults.current();
  }

  @Post('faults')
  @HttpCode(200)
  async setFaults(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    try {
      await this.sim.setFaults(body ?? {});
    } catch (error) {
      if (error instanceof RangeError) throw new HubError('LGSP_ERR_BAD_REQUEST', error.message);
      throw error;
    }
    // while connections are refused, the connection of this command is not kept open either
    if (this.sim.refusingConnections) void reply.header('connection', 'close');
    return this.sim.faults.current();
  }

  /** Ends every session: the next sync call is answered 401 (an expired token). */
  @Post('sessions/expire')
  @HttpCode(204)
  expireSessions(): void {
    this.sim.state.expireSessions();
  }

  /** Forgets what was received and lifts every fault. */
  @Post('reset')
  @HttpCode(204)
  reset(): Promise<void> {
    return this.sim.reset();
  }
}
