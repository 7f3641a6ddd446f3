import { classifyDvcqgAnswer } from '../delivery/outcome';
import { classifyXRoadAnswer, xroadErrorKind } from './outcome';

describe(classifyXRoadAnswer.name, () => {
  it("without X-Road-Error it is the service's answer, classified as in the DVCQG form", () => {
    for (const [status, body, retryAfter] of [
      [200, { error_code: '0' }, undefined],
      [200, { error_code: '2', message: 'Hồ sơ đã tồn tại' }, undefined],
      [503, { error_code: '503' }, '5'],
      [500, undefined, undefined],
      [401, { message: 'no' }, undefined],
      [200, '<html/>', undefined],
    ] as const)
      expect(classifyXRoadAnswer({ status, body, retryAfter })).toEqual(
        classifyDvcqgAnswer(status, body, retryAfter),
      );
  });

  it('a Client.* error is rejected with its type: the request does not follow the protocol', () => {
    expect(
      classifyXRoadAnswer({
        status: 400,
        xroadError: 'Client.BadRequest',
        body: { type: 'Client.BadRequest', message: 'Missing X-Road-Client header' },
      }),
    ).toEqual({
      kind: 'rejected',
      status: 400,
      code: 'Client.BadRequest',
      message: 'Client.BadRequest: Missing X-Road-Client header',
    });
  });

  it("a provider's refusal is rejected; a disabled service is unavailable, with its Retry-After", () => {
    expect(
      classifyXRoadAnswer({ status: 500, xroadError: 'Server.ServerProxy.AccessDenied', body: undefined }),
    ).toMatchObject({ kind: 'rejected', status: 500, code: 'Server.ServerProxy.AccessDenied' });
    expect(
      classifyXRoadAnswer({
        status: 500,
        xroadError: 'Server.ServerProxy.ServiceDisabled',
        body: { message: 'bảo trì' },
        retryAfter: '30',
      }),
    ).toEqual({
      kind: 'unavailable',
      reason: 'Server.ServerProxy.ServiceDisabled: bảo trì',
      retryAfterMs: 30_000,
    });
  });

  it('a failure that may have come after the service received the call is unknown', () => {
    expect(
      classifyXRoadAnswer({
        status: 500,
        xroadError: 'Server.ServerProxy.ServiceFailed.NetworkError',
        body: '',
      }),
    ).toEqual({ kind: 'unknown', reason: 'Server.ServerProxy.ServiceFailed.NetworkError: HTTP 500' });
  });
});

describe(xroadErrorKind.name, () => {
  it.each([
    ['Client.BadRequest', 'rejected'],
    ['Client.InvalidClientIdentifier', 'rejected'],
    ['Server.ServerProxy.UnknownService', 'rejected'],
    ['Server.ServerProxy.InvalidServiceType', 'rejected'],
    ['Server.ClientProxy.UnknownMember', 'rejected'],
    ['Server.ServerProxy.ServiceDisabled', 'unavailable'],
    ['Server.ClientProxy.OutdatedGlobalConf', 'unavailable'],
    ['Server.ClientProxy.SslAuthenticationFailed', 'unavailable'],
    ['Server.ServerProxy.ServiceFailed', 'unknown'],
    ['Server.ServerProxy.ServiceFailed.HttpError', 'unknown'],
    ['Server.ClientProxy.NetworkError', 'unknown'],
    ['Server.ServerProxy.InternalError', 'unknown'],
    ['Server.Something.New', 'unknown'],
  ])('%s is %s', (type, kind) => {
    expect(xroadErrorKind(type)).toBe(kind);
  });
});
