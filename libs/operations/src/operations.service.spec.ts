import type { AuditActor, AuditKeyring, OperatorAudit } from '@lgsp/audit';
import type { EventProducer, KafkaSettings } from '@lgsp/kafka';
import type { Kafka } from 'kafkajs';
import { confirm, type Confirmation } from './confirmation';
import { OperationsService } from './operations.service';

/** A dependency that fails the test on any use: a refused request must not read or write anything. */
const untouchable = <T>(name: string): T =>
  new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`${name}.${String(property)} was used`);
      },
    },
  ) as T;

const actor: AuditActor = { id: 'operator', name: 'Operator', role: 'operator' };
const api: Confirmation = {
  confirmed: false,
  refusal: 'this operation writes in bulk: send "confirm": true to run it',
};
const confirmed: Confirmation = { ...api, confirmed: true };

describe(OperationsService.name, () => {
  const sut = new OperationsService({
    kafka: untouchable<Kafka>('kafka'),
    settings: untouchable<KafkaSettings>('settings'),
    producer: untouchable<EventProducer>('producer'),
    audit: untouchable<OperatorAudit>('audit'),
    keyring: untouchable<AuditKeyring>('keyring'),
  });
  const refused = (promise: Promise<unknown>, code: string, detail?: string | RegExp) =>
    expect(promise).rejects.toMatchObject({ code, ...(detail ? { detail } : {}) });

  describe('replay', () => {
    it('names a missing source before anything else, confirmation included', async () => {
      await refused(sut.replay(actor, {}, api), 'LGSP_ERR_BAD_REQUEST', 'source is required');
      await refused(
        sut.replay(actor, { source: 42 }, api),
        'LGSP_ERR_BAD_REQUEST',
        'source must be a string',
      );
    });

    it('refuses an unconfirmed replay that writes before reading the topic', async () => {
      await refused(
        sut.replay(actor, { source: 'a', target: 'b' }, api),
        'LGSP_ERR_NOT_CONFIRMED',
        api.refusal,
      );
      // the same request with a bad window is still refused for want of confirmation, not read further
      await refused(
        sut.replay(actor, { source: 'a', target: 'b', from: 'yesterday' }, api),
        'LGSP_ERR_NOT_CONFIRMED',
      );
    });

    it('needs a target or a dry run, and a target other than the source', async () => {
      await refused(sut.replay(actor, { source: 'a' }, confirmed), 'LGSP_ERR_BAD_REQUEST', /target topic/);
      await refused(
        sut.replay(actor, { source: 'a', target: 'a' }, confirmed),
        'LGSP_ERR_BAD_REQUEST',
        'the target topic must not be the source topic',
      );
    });

    it('checks every field of a dry run, which needs no confirmation', async () => {
      const dry = (fields: Record<string, unknown>) =>
        sut.replay(actor, { source: 'a', dryRun: true, ...fields }, api);
      await refused(dry({ from: '2026-11-20 08:00' }), 'LGSP_ERR_BAD_POSITION');
      await refused(dry({ until: 'soon' }), 'LGSP_ERR_BAD_POSITION');
      await refused(dry({ last: 0 }), 'LGSP_ERR_BAD_REQUEST', 'last must be a whole number above 0');
      await refused(dry({ last: '2.5' }), 'LGSP_ERR_BAD_REQUEST', 'last must be a whole number above 0');
      await refused(dry({ rate: -1 }), 'LGSP_ERR_BAD_REQUEST', 'rate must be a whole number above 0');
      await refused(dry({ key: 7 }), 'LGSP_ERR_BAD_REQUEST', 'key must be a string');
      await refused(dry({ eventSource: ['x'] }), 'LGSP_ERR_BAD_REQUEST', 'eventSource must be a string');
      await refused(
        dry({ allowTruncatedHistory: 'yes' }),
        'LGSP_ERR_BAD_REQUEST',
        'allowTruncatedHistory must be true or false',
      );
      await refused(
        sut.replay(actor, { source: 'a', dryRun: 'true' }, api),
        'LGSP_ERR_BAD_REQUEST',
        'dryRun must be true or false',
      );
    });
  });

  describe('redrive', () => {
    it('refuses an unconfirmed redrive before looking at what it names', async () => {
      await refused(sut.redrive(actor, {}, api), 'LGSP_ERR_NOT_CONFIRMED', api.refusal);
      await refused(sut.redrive(actor, { ids: ['0:1'] }, api), 'LGSP_ERR_NOT_CONFIRMED');
    });

    it('needs dead letters named by id or selected by a filter', async () => {
      await refused(sut.redrive(actor, {}, confirmed), 'LGSP_ERR_BAD_REQUEST', /name dead letters by id/);
      await refused(sut.redrive(actor, { ids: [], filter: {} }, confirmed), 'LGSP_ERR_BAD_REQUEST');
      await refused(
        sut.redrive(actor, { ids: '0:1' }, confirmed),
        'LGSP_ERR_BAD_REQUEST',
        /ids must be a list/,
      );
      await refused(
        sut.redrive(actor, { ids: [0] }, confirmed),
        'LGSP_ERR_BAD_REQUEST',
        /ids must be a list/,
      );
      await refused(
        sut.redrive(actor, { filter: 'all' }, confirmed),
        'LGSP_ERR_BAD_REQUEST',
        'filter must be an object',
      );
    });

    it('takes only ISO 8601 times with zone as the failure window', async () => {
      await refused(
        sut.redrive(actor, { filter: { since: 'last:3' } }, confirmed),
        'LGSP_ERR_BAD_REQUEST',
        'since must be an ISO 8601 time with zone',
      );
      await refused(
        sut.redrive(actor, { filter: { until: '2026-11-20' } }, confirmed),
        'LGSP_ERR_BAD_POSITION',
      );
    });
  });

  describe('dead letters and lag', () => {
    it('checks the list filter and the names before reading', async () => {
      await refused(sut.listDeadLetters({ since: 'monday' }), 'LGSP_ERR_BAD_POSITION');
      await refused(sut.listDeadLetters({ code: 1 }), 'LGSP_ERR_BAD_REQUEST', 'code must be a string');
      await refused(sut.showDeadLetter(undefined), 'LGSP_ERR_BAD_REQUEST', 'id is required');
      await refused(sut.lag({ group: true }), 'LGSP_ERR_BAD_REQUEST', 'group must be a string');
    });
  });
});

describe(confirm.name, () => {
  const question = jest.fn(() => 'Replay up to 3 records from a into b?');
  beforeEach(() => question.mockClear());

  it('goes ahead when confirmed up front, without building the question', async () => {
    await expect(confirm(confirmed, question)).resolves.toBeUndefined();
    expect(question).not.toHaveBeenCalled();
  });

  it('refuses on a surface that cannot ask, with how to confirm there', async () => {
    await expect(confirm(api, question)).rejects.toMatchObject({
      code: 'LGSP_ERR_NOT_CONFIRMED',
      status: 409,
      detail: api.refusal,
    });
    expect(question).not.toHaveBeenCalled();
  });

  it('asks a person what will be done, and does nothing unless the answer is yes', async () => {
    const ask = jest.fn<Promise<boolean>, [string]>();
    const terminal: Confirmation = { confirmed: false, ask, refusal: 'pass --yes' };
    ask.mockResolvedValueOnce(true);
    await expect(confirm(terminal, question)).resolves.toBeUndefined();
    expect(ask).toHaveBeenCalledWith('Replay up to 3 records from a into b?');
    ask.mockResolvedValueOnce(false);
    await expect(confirm(terminal, question)).rejects.toMatchObject({
      code: 'LGSP_ERR_NOT_CONFIRMED',
      detail: 'cancelled; nothing was done',
    });
  });
});
