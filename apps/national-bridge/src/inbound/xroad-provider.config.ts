import { readFileSync } from 'node:fs';
import { ConfigError, configFile, int, optional, str, type Env } from '@lgsp/core';
import { AccessRights, parseAccessRights } from '@lgsp/national';
import { parseFingerprints, parsePeerList } from './security-server-peers';

/** The province's X-Road provider endpoint: who may call what, and how it reaches the hub's gateway. */
export interface XRoadProviderConfig {
  /** LGSP_XROAD_ACCESS: the access-rights JSON file (providers, services, client grants) */
  accessFile: string;
  /** LGSP_XROAD_GATEWAY_URL: the gateway's GraphQL endpoint the services are answered from */
  gatewayUrl: string;
  /** LGSP_XROAD_GATEWAY_KEY: the endpoint's own API key at the gateway (a consumer in the callers file) */
  gatewayKey: string;
  /** LGSP_XROAD_GATEWAY_TIMEOUT_MS: one gateway call; past it the service failed */
  gatewayTimeoutMs: number;
  /** LGSP_XROAD_BODY_LIMIT: the largest request body read, in bytes */
  bodyLimit: number;
  /** LGSP_XROAD_ALLOWED_PEERS: the security server's addresses (IP or CIDR); loopback by default */
  allowedPeers: string[];
  /** LGSP_XROAD_PEER_CERT_SHA256: the security server's TLS client certificates; none: not checked */
  peerCertificates: string[];
}

const DEV_GATEWAY_KEY = 'dev-consumer-key-xroad-provider';

/** Reads the provider endpoint's configuration from the environment; a bad value names its variable. */
export function loadXRoadProviderConfig(env: Env): XRoadProviderConfig {
  const production = env.NODE_ENV === 'production';
  const gatewayUrl = str(env, 'LGSP_XROAD_GATEWAY_URL', 'http://127.0.0.1:4000/graphql');
  if (!/^https?:\/\/[^/]+\/.*graphql$/.test(gatewayUrl))
    throw new ConfigError('LGSP_XROAD_GATEWAY_URL', `want http(s)://host:port/graphql, got "${gatewayUrl}"`);
  const key = optional(env, 'LGSP_XROAD_GATEWAY_KEY');
  if (production && key === undefined)
    throw new ConfigError(
      'LGSP_XROAD_GATEWAY_KEY',
      'must be set in production (the endpoint’s key at the gateway)',
    );
  return {
    accessFile: configFile(env, 'LGSP_XROAD_ACCESS', 'national-access.json'),
    gatewayUrl,
    gatewayKey: key ?? DEV_GATEWAY_KEY,
    gatewayTimeoutMs: int(env, 'LGSP_XROAD_GATEWAY_TIMEOUT_MS', 10_000, 100, 120_000),
    bodyLimit: int(env, 'LGSP_XROAD_BODY_LIMIT', 1_048_576, 1, 100 * 1_048_576),
    allowedPeers: parsePeerList(str(env, 'LGSP_XROAD_ALLOWED_PEERS', '127.0.0.1,::1')),
    peerCertificates: parseFingerprints(optional(env, 'LGSP_XROAD_PEER_CERT_SHA256')),
  };
}

/** The access rights of `file`, checked; a mistake fails start-up with the path of the bad value. */
export function readAccessRights(file: string): AccessRights {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('LGSP_XROAD_ACCESS', `${file}: ${(error as Error).message}`);
  }
  return new AccessRights(parseAccessRights(raw, file));
}
