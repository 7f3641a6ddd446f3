import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { All, Controller, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ListClientsPath, ProtocolVersion } from '@lgsp/national';
import type { RawBody } from './raw-body';
import type { Peer } from './security-server-peers';
import { XRoadProviderService, type InboundAnswer, type InboundRequest } from './xroad-provider.service';

/** The request as the endpoint reads it: the raw target and headers (never the framework's joined ones). */
function inbound(request: FastifyRequest): InboundRequest {
  const body = request.body as RawBody | undefined;
  return {
    method: request.raw.method ?? request.method,
    url: request.raw.url ?? request.url,
    rawHeaders: request.raw.rawHeaders,
    peer: peerOf(request.raw.socket),
    ...(body && typeof body === 'object' && 'tooLarge' in body ? { body } : {}),
  };
}

/** The connection's peer: its address, and over TLS the SHA-256 of its client certificate. */
function peerOf(socket: Socket): Peer {
  const certificate = socket instanceof TLSSocket ? socket.getPeerCertificate() : undefined;
  const fingerprint = certificate?.fingerprint256;
  return {
    ...(socket.remoteAddress !== undefined ? { address: socket.remoteAddress } : {}),
    ...(fingerprint ? { certificateSha256: fingerprint.replaceAll(':', '').toLowerCase() } : {}),
  };
}

function send(reply: FastifyReply, answer: InboundAnswer): FastifyReply {
  return reply.status(answer.status).headers(answer.headers).send(answer.body);
}

/** /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path] and /listClients, any method. */
@Controller()
export class XRoadProviderController {
  constructor(private readonly provider: XRoadProviderService) {}

  // Fastify's wildcard (find-my-way): the rest of the path, any depth
  @All([ProtocolVersion, `${ProtocolVersion}/*`])
  async service(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return send(reply, await this.provider.service(inbound(request)));
  }

  @All(ListClientsPath.slice(1))
  async listClients(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return send(reply, await this.provider.listClients(inbound(request)));
  }
}
