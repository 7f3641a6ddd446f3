import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AccessRights,
  answerMetaService,
  canonicalRequestHeaders,
  DvcqgServices,
  encodeClientId,
  headersFromRaw,
  IdempotencyKeyHeader,
  pairRawHeaders,
  parseAccessRights,
  parseXRoadRequest,
  providerOf,
  toXRoadError,
  XRoadError,
  xroadRequestHash,
  xroadResponseHeaders,
  type DvcqgService,
  type XRoadRequest,
} from '@lgsp/national';
import { LOGGER, type Logger } from '@lgsp/observability';
import type { WithRawBody } from '@lgsp/platform';
import type { NationalSimConfig } from './national-sim.config';
import { NATIONAL_SIM_CONFIG, NationalSim } from './national-sim.service';

const CALLS = new Set<string>(Object.values(DvcqgServices));

/**
 * The X-Road REST form of the national side: the portal's sync service behind its security server, as the
 * province's security server reaches it. `POST /r1/{service}/{call}` with `X-Road-Client` the one subsystem
 * allowed to call it; the metadata services of the portal's subsystem (`allowedMethods`, the `xroad-rest`
 * adapter's login); answers with the X-Road headers and the request hash; X-Road errors where a security server
 * raises them. Behind it the same state, rules, idempotency and faults as the DVCQG form (NationalSim.serve).
 */
@Injectable()
export class XRoadFront {
  private readonly rights: AccessRights;

  constructor(
    @Inject(NATIONAL_SIM_CONFIG) config: NationalSimConfig,
    private readonly sim: NationalSim,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const { service, client } = config.xroad;
    const provider = encodeClientId(providerOf(service));
    const endpoints = [...CALLS].map((call) => ({ method: 'POST', path: `/${call}` }));
    this.rights = new AccessRights(
      parseAccessRights(
        {
          providers: [
            {
              id: provider,
              name: 'Cổng Dịch vụ công quốc gia',
              services: [{ code: service.serviceCode, type: 'REST', endpoints }],
            },
          ],
          clients: [
            {
              id: encodeClientId(client),
              grants: [{ provider, services: [service.serviceCode] }],
            },
          ],
        },
        'NATIONAL_SIM_XROAD_*',
      ),
    );
  }

  async serve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = request.raw;
    const url = raw.url ?? '';
    const path = url.split('?')[0];
    let parsed: XRoadRequest | undefined;
    try {
      parsed = parseXRoadRequest({ method: raw.method ?? '', url, headers: headersFromRaw(raw.rawHeaders) });
      const { client, service, messageId, requestId } = parsed;
      const hash = xroadRequestHash({
        method: parsed.method,
        url,
        headers: canonicalRequestHeaders(pairRawHeaders(raw.rawHeaders), { messageId, requestId }),
        body: (request as WithRawBody).rawBody,
      });
      const headers = xroadResponseHeaders(parsed, hash);
      const serviceCode = new URLSearchParams(parsed.query ?? '').get('serviceCode') ?? undefined;
      const meta = answerMetaService(this.rights, service, client, serviceCode);
      if (meta) {
        void reply.code(200).headers(headers).type(meta.contentType).send(meta.body);
        return;
      }
      this.rights.authorize(client, service);
      const [call, ...rest] = parsed.servicePathSegments;
      if (parsed.method !== 'POST' || rest.length > 0 || !isCall(call)) {
        // the security server forwards it; the service itself does not know the path
        this.sim.noteRefused({ path, status: 404, xroadClient: encodeClientId(client) });
        void reply
          .code(404)
          .headers(headers)
          .send({ error_code: '404', message: `Không có dịch vụ ${parsed.method} ${parsed.servicePath}` });
        return;
      }
      const key = request.headers[IdempotencyKeyHeader.toLowerCase()];
      await this.sim.serve(
        {
          call: 'sync',
          path,
          body: request.body,
          ...(typeof key === 'string' && key !== '' ? { idempotencyKey: key } : {}),
          xroad: { call, client: encodeClientId(client), headers },
        },
        reply,
      );
    } catch (error) {
      if (!(error instanceof XRoadError)) this.logger.error({ err: error }, 'the X-Road form failed');
      const e = toXRoadError(error);
      this.sim.noteRefused({
        path,
        status: e.status,
        xroadError: e.type,
        ...(parsed ? { xroadClient: encodeClientId(parsed.client) } : {}),
      });
      void reply.code(e.status).headers(e.headers()).send(e.body());
    }
  }
}

function isCall(call: string | undefined): call is DvcqgService {
  return call !== undefined && CALLS.has(call);
}
