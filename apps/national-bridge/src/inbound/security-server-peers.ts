import { BlockList, isIP } from 'node:net';
import { ConfigError } from '@lgsp/core';
import { XRoadError } from '@lgsp/national';

/** Who connected to the endpoint: the peer's address and, over TLS, its certificate's SHA-256 fingerprint. */
export interface Peer {
  address?: string;
  /** hex, lower case, without separators */
  certificateSha256?: string;
}

/**
 * The X-Road-Client header is the security server's word: the province's security server authenticated the
 * client (mutual TLS between security servers) and only then forwards the request. So the endpoint answers its
 * own security server alone: a peer address in the allowed list (LGSP_XROAD_ALLOWED_PEERS: addresses or CIDR
 * ranges) and, when fingerprints are configured (LGSP_XROAD_PEER_CERT_SHA256), a TLS client certificate among
 * them. Anyone else could name any client in the header.
 */
export class SecurityServerPeers {
  private readonly allowed = new BlockList();

  constructor(
    addresses: readonly string[],
    private readonly fingerprints: readonly string[] = [],
  ) {
    for (const entry of addresses) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(prefix), family);
    }
  }

  /** Throws Server.ServerProxy.AccessDenied unless `peer` is the security server. */
  check(peer: Peer): void {
    const address = peer.address?.startsWith('::ffff:') ? peer.address.slice(7) : peer.address;
    const family = address !== undefined && isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const known = address !== undefined && isIP(address) !== 0 && this.allowed.check(address, family);
    const certified =
      this.fingerprints.length === 0 ||
      (peer.certificateSha256 !== undefined && this.fingerprints.includes(peer.certificateSha256));
    if (!known || !certified)
      throw new XRoadError(
        'Server.ServerProxy.AccessDenied',
        'Request is not allowed: the provider endpoint answers its security server only',
      );
  }
}

/** LGSP_XROAD_ALLOWED_PEERS: comma-separated IP addresses or CIDR ranges, each checked. */
export function parsePeerList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const [address, prefix, extra] = entry.split('/');
      const version = isIP(address);
      const max = version === 6 ? 128 : 32;
      const ok =
        version !== 0 &&
        extra === undefined &&
        (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max));
      if (!ok)
        throw new ConfigError('LGSP_XROAD_ALLOWED_PEERS', `"${entry}" is not an IP address or CIDR range`);
      return entry;
    });
}

/** LGSP_XROAD_PEER_CERT_SHA256: comma-separated SHA-256 fingerprints (hex, colons allowed), normalised. */
export function parseFingerprints(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const hex = entry.replaceAll(':', '').toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex))
        throw new ConfigError('LGSP_XROAD_PEER_CERT_SHA256', `"${entry}" is not a SHA-256 fingerprint`);
      return hex;
    });
}
