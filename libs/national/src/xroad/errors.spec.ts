import { toXRoadError, XRoadError, xroadErrorStatus } from './errors';

describe(XRoadError.name, () => {
  it('a protocol error of the client is HTTP 400', () => {
    const sut = new XRoadError('Client.BadRequest', 'Missing X-Road-Client header', 'd-1');
    expect(sut.status).toBe(400);
    expect(sut.body()).toEqual({
      type: 'Client.BadRequest',
      message: 'Missing X-Road-Client header',
      detail: 'd-1',
    });
    expect(sut.headers()).toEqual({
      'X-Road-Error': 'Client.BadRequest',
      'Content-Type': 'application/json;charset=utf-8',
    });
  });

  it.each([
    'Server.ServerProxy.AccessDenied',
    'Server.ServerProxy.UnknownService',
    'Server.ServerProxy.InvalidServiceType',
    'Server.ServerProxy.ServiceFailed',
    'Server.ServerProxy.InternalError',
  ] as const)('%s is HTTP 500, as X-Road answers its own errors', (type) => {
    expect(xroadErrorStatus(type)).toBe(500);
    expect(new XRoadError(type, 'x').headers()['X-Road-Error']).toBe(type);
  });

  it('gives every error a detail id to find it in the message log', () => {
    const a = new XRoadError('Client.BadRequest', 'x');
    const b = new XRoadError('Client.BadRequest', 'x');
    expect(a.detail).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.detail).not.toBe(b.detail);
  });
});

describe(toXRoadError.name, () => {
  it('keeps an X-Road error as it is', () => {
    const error = new XRoadError('Server.ServerProxy.AccessDenied', 'no');
    expect(toXRoadError(error)).toBe(error);
  });

  it('turns anything else into an internal error without its message', () => {
    const error = toXRoadError(new Error('connection string postgres://secret@db'));
    expect(error.type).toBe('Server.ServerProxy.InternalError');
    expect(error.message).not.toContain('secret');
  });
});
