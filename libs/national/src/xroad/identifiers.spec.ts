import { XRoadError } from './errors';
import {
  decodeSegment,
  describeClient,
  describeService,
  encodeClientId,
  encodeSegment,
  encodeServiceId,
  identifierProblem,
  parseClientId,
  parseServiceId,
  parseSubsystemId,
  providerOf,
  sameClient,
} from './identifiers';

describe(parseClientId.name, () => {
  it('reads a subsystem client', () => {
    expect(parseClientId('VN/GOV/000.00.00.G22/DVCQG')).toEqual({
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.00.G22',
      subsystemCode: 'DVCQG',
    });
  });

  it('reads a member-level client (the subsystem is optional in X-Road)', () => {
    expect(parseClientId('VN/GOV/000.00.00.G22')).toEqual({
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.00.G22',
    });
  });

  it('decodes percent-encoded parts', () => {
    expect(parseClientId('VN/GOV/A%2CB/SUB_1').memberCode).toBe('A,B');
  });

  it.each([
    ['VN/GOV', 'got 2 parts'],
    ['VN/GOV/M/S/X', 'got 5 parts'],
    ['VN//M/S', 'memberClass is empty'],
    ['VN/GOV/M/S%2FX', 'subsystemCode may hold only'],
    ['VN/GOV/M/S%00', 'subsystemCode may hold only'],
    ['VN/GOV/M/S X', 'invalid characters'],
    ['VN/GOV/M/%FF', 'invalid percent-encoding'],
    ['VN/GOV/M/%C3%28', 'invalid percent-encoding'],
    ['VN/GOV/M/Tỉnh', 'invalid characters'],
  ])('refuses %p: %s', (value, message) => {
    expect(() => parseClientId(value)).toThrow(XRoadError);
    expect(() => parseClientId(value)).toThrow(message);
    try {
      parseClientId(value);
    } catch (error) {
      expect((error as XRoadError).type).toBe('Client.BadRequest');
    }
  });

  it('names the header it read in the error', () => {
    expect(() => parseClientId('x', 'Information-Mediator-Client')).toThrow('Information-Mediator-Client');
  });
});

describe(parseSubsystemId.name, () => {
  it('requires the subsystem', () => {
    expect(() => parseSubsystemId('VN/GOV/M', 'provider')).toThrow('a subsystem is required');
    expect(parseSubsystemId('VN/GOV/M/S', 'provider').subsystemCode).toBe('S');
  });
});

describe(identifierProblem.name, () => {
  it('allows the PR-REST 4.8 characters and _ ~', () => {
    expect(identifierProblem("Az09'()+,-.=?_~")).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['a/b', 'may hold only'],
    ['a;b', 'may hold only'],
    ['a%b', 'may hold only'],
    ['x'.repeat(256), 'longer than 255'],
  ])('%p %s', (part, problem) => {
    expect(identifierProblem(part)).toContain(problem);
  });
});

describe('encoding', () => {
  const service = {
    instance: 'VN',
    memberClass: 'GOV',
    memberCode: '000.00.00.H22',
    subsystemCode: 'LGSP',
    serviceCode: 'dossier?Status',
  };

  it('keeps what a path segment allows and escapes the rest', () => {
    expect(encodeSegment("a'()+,=b")).toBe("a'()+,=b");
    expect(encodeSegment('a?b')).toBe('a%3Fb');
    expect(encodeSegment('a/b')).toBe('a%2Fb');
  });

  it('round-trips through decodeSegment', () => {
    for (const part of ["a'()+,=b", 'a?b', 'A_B~c', 'Tỉnh'])
      expect(decodeSegment(encodeSegment(part), 'x')).toBe(part);
  });

  it('writes ids as in the X-Road headers', () => {
    expect(encodeServiceId(service)).toBe('VN/GOV/000.00.00.H22/LGSP/dossier%3FStatus');
    expect(encodeClientId(providerOf(service))).toBe('VN/GOV/000.00.00.H22/LGSP');
    expect(encodeClientId({ instance: 'VN', memberClass: 'GOV', memberCode: 'M' })).toBe('VN/GOV/M');
  });

  it('describes ids as X-Road messages do', () => {
    expect(describeService(service)).toBe('SERVICE:VN/GOV/000.00.00.H22/LGSP/dossier%3FStatus');
    expect(describeClient(providerOf(service))).toBe('SUBSYSTEM:VN/GOV/000.00.00.H22/LGSP');
    expect(describeClient({ instance: 'VN', memberClass: 'GOV', memberCode: 'M' })).toBe('MEMBER:VN/GOV/M');
  });

  it('compares clients part by part', () => {
    const a = parseClientId('VN/GOV/M/S');
    expect(sameClient(a, parseClientId('VN/GOV/M/S'))).toBe(true);
    expect(sameClient(a, parseClientId('VN/GOV/M'))).toBe(false);
    expect(sameClient(a, parseClientId('VN/GOV/M/T'))).toBe(false);
  });
});

describe(parseServiceId.name, () => {
  it('reads the five parts of a service id, percent-decoded', () => {
    expect(parseServiceId('VN/GOV/000.00.00.G22/DVCQG/dvcqg%2BSync', 'svc')).toEqual({
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.00.G22',
      subsystemCode: 'DVCQG',
      serviceCode: 'dvcqg+Sync',
    });
  });

  it.each(['VN/GOV/000.00.00.G22/DVCQG', 'VN/GOV/M/S/svc/extra', 'VN/GOV/M/S/a;b'])(
    'refuses %s, naming what it reads',
    (value) => {
      expect(() => parseServiceId(value, 'NATIONAL_SIM_XROAD_SERVICE')).toThrow(
        /^NATIONAL_SIM_XROAD_SERVICE/,
      );
    },
  );
});
