import { Inject, Injectable } from '@nestjs/common';
import { ErrorCatalog, type ErrorCode } from '@lgsp/core';
import { XRoadError } from '@lgsp/national';
import { ON_BEHALF_OF_HEADERS, PURPOSE_HEADER } from '@lgsp/policy';
import type { XRoadProviderConfig } from './xroad-provider.config';
import { XROAD_PROVIDER_CONFIG } from './xroad-provider.tokens';

/** A GraphQL query the endpoint sends on for a national client. */
export interface GatewayQuery {
  /** the operation's name: the audit trail records it */
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
  /** the purpose of use the service is for (the endpoint's caller must be granted it) */
  purpose: string;
  /** who asked: the X-Road client, its user and case, recorded with the read */
  onBehalfOf: { client: string; userId?: string; issue?: string };
}

/** What the gateway answered: the data, or the hub's coded refusal (passed on as the hub's answer). */
export type GatewayAnswer =
  | { kind: 'data'; data: Record<string, unknown> }
  | { kind: 'refused'; status: number; code: ErrorCode; message: string };

interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

const isCode = (code: unknown): code is ErrorCode => typeof code === 'string' && code in ErrorCatalog;

/**
 * The hub's gateway over HTTP, called with the endpoint's own API key: the gateway authenticates it, applies
 * its access policy and purposes to it, and audits its reads naming the national client it reads for. A gateway
 * that does not answer, or not in GraphQL, is Server.ServerProxy.ServiceFailed.
 */
@Injectable()
export class HubGatewayClient {
  constructor(@Inject(XROAD_PROVIDER_CONFIG) private readonly config: XRoadProviderConfig) {}

  async query(request: GatewayQuery): Promise<GatewayAnswer> {
    const { onBehalfOf } = request;
    let response: Response;
    let body: GraphqlBody;
    try {
      response = await fetch(this.config.gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': this.config.gatewayKey,
          [PURPOSE_HEADER]: request.purpose,
          [ON_BEHALF_OF_HEADERS.client]: onBehalfOf.client,
          ...(onBehalfOf.userId !== undefined ? { [ON_BEHALF_OF_HEADERS.userId]: onBehalfOf.userId } : {}),
          ...(onBehalfOf.issue !== undefined ? { [ON_BEHALF_OF_HEADERS.issue]: onBehalfOf.issue } : {}),
        },
        body: JSON.stringify({
          operationName: request.operationName,
          query: request.query,
          variables: request.variables,
        }),
        signal: AbortSignal.timeout(this.config.gatewayTimeoutMs),
      });
      body = (await response.json()) as GraphqlBody;
    } catch {
      throw new XRoadError('Server.ServerProxy.ServiceFailed', 'The hub’s service did not answer');
    }
    const error = body.errors?.find((e) => isCode(e.extensions?.code));
    const code = error?.extensions?.code;
    // A coded error without data is the hub refusing; masked fields (a coded error beside data) still answer.
    if (isCode(code) && (body.data === null || body.data === undefined || code !== 'LGSP_ERR_FIELD_MASKED'))
      return {
        kind: 'refused',
        status: ErrorCatalog[code].status,
        code,
        message: error?.message ?? ErrorCatalog[code].title,
      };
    // Any other error beside data (a subgraph down, say) leaves holes a national client would read as "no such
    // record": the service failed rather than answering a partial truth.
    const failed = body.errors?.some((e) => e.extensions?.code !== 'LGSP_ERR_FIELD_MASKED');
    if (failed || !body.data || typeof body.data !== 'object')
      throw new XRoadError(
        'Server.ServerProxy.ServiceFailed',
        `The hub’s service failed (${response.status})`,
      );
    return { kind: 'data', data: body.data };
  }
}
