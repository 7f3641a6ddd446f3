import { XRoadError } from '@lgsp/national';
import { SecurityServerPeers, type Peer } from './security-server-peers';

const refused = (sut: SecurityServerPeers, peer: Peer): string | undefined => {
  try {
    sut.check(peer);
    return undefined;
  } catch (error) {
    return error instanceof XRoadError ? error.type : 'other';
  }
};

describe(SecurityServerPeers.name, () => {
  it('answers the listed addresses and ranges only, IPv4 mapped into IPv6 included', () => {
    const sut = new SecurityServerPeers(['10.1.2.3', '172.16.0.0/12', '::1']);
    for (const address of ['10.1.2.3', '::ffff:10.1.2.3', '172.20.1.1', '::1'])
      expect(refused(sut, { address })).toBeUndefined();
    for (const address of ['10.1.2.4', '192.168.1.1', '::2', undefined, 'not-an-address'])
      expect(refused(sut, { address })).toBe('Server.ServerProxy.AccessDenied');
  });

  it('asks for one of the configured client certificates when there are any', () => {
    const sut = new SecurityServerPeers(['10.1.2.3'], ['ab'.repeat(32)]);
    expect(refused(sut, { address: '10.1.2.3', certificateSha256: 'ab'.repeat(32) })).toBeUndefined();
    expect(refused(sut, { address: '10.1.2.3' })).toBe('Server.ServerProxy.AccessDenied');
    expect(refused(sut, { address: '10.1.2.3', certificateSha256: 'cd'.repeat(32) })).toBe(
      'Server.ServerProxy.AccessDenied',
    );
    expect(refused(sut, { address: '10.9.9.9', certificateSha256: 'ab'.repeat(32) })).toBe(
      'Server.ServerProxy.AccessDenied',
    );
  });
});
