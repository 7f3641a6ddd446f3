import { join } from 'node:path';
import { projectRoot } from '@lgsp/core';
import { kafkaPublishers } from './kafka-acls';
import { loadKafkaSettings } from './kafka-config';

const devFile = join(projectRoot(), 'config', 'kafka-credentials.dev.json');

describe('loadKafkaSettings: authentication', () => {
  it('refuses to start without credentials unless PLAINTEXT is asked for explicitly', () => {
    expect(() => loadKafkaSettings({}, 'lgsp-ingest')).toThrow(/KAFKA_SASL_PASSWORD: is required/);
    expect(loadKafkaSettings({ KAFKA_SECURITY: 'plaintext' }, 'lgsp-ingest')).toMatchObject({
      security: 'plaintext',
      sasl: undefined,
    });
  });

  it('authenticates as the service principal, its password from the development file', () => {
    const settings = loadKafkaSettings({ KAFKA_SASL_CREDENTIALS_FILE: devFile }, 'lgsp-cli', 'lgsp-operator');
    expect(settings.security).toBe('sasl_plaintext');
    expect(settings.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'lgsp-operator',
      password: 'dev-kafka-operator-not-secret',
    });
    expect(
      loadKafkaSettings({ KAFKA_SASL_CREDENTIALS_FILE: devFile, KAFKA_SASL_USERNAME: 'lgsp-admin' }, 'x').sasl
        ?.username,
    ).toBe('lgsp-admin');
  });

  it('names the variable at fault', () => {
    expect(() =>
      loadKafkaSettings({ KAFKA_SASL_CREDENTIALS_FILE: devFile, KAFKA_SASL_USERNAME: 'nobody' }, 'x'),
    ).toThrow(/KAFKA_SASL_CREDENTIALS_FILE: .* has no password for nobody/);
    expect(() => loadKafkaSettings({ KAFKA_SECURITY: 'ssl' }, 'x')).toThrow(/KAFKA_SECURITY: must be one of/);
    expect(() => loadKafkaSettings({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' }, 'x')).toThrow(
      /KAFKA_SASL_MECHANISM/,
    );
    expect(() => loadKafkaSettings({ KAFKA_SASL_PASSWORD_FILE: '/nonexistent/pw' }, 'x')).toThrow(
      /KAFKA_SASL_PASSWORD_FILE: cannot read/,
    );
  });

  it('in production: TLS by default, never PLAINTEXT, never the shared development file', () => {
    const prod = { NODE_ENV: 'production' };
    expect(loadKafkaSettings({ ...prod, KAFKA_SASL_PASSWORD: 'p' }, 'lgsp-ingest').security).toBe('sasl_ssl');
    expect(() => loadKafkaSettings({ ...prod, KAFKA_SECURITY: 'plaintext' }, 'x')).toThrow(
      /KAFKA_SECURITY: plaintext .* development only/,
    );
    expect(() => loadKafkaSettings({ ...prod, KAFKA_SASL_CREDENTIALS_FILE: devFile }, 'lgsp-ingest')).toThrow(
      /KAFKA_SASL_CREDENTIALS_FILE: .* refused in production/,
    );
  });
});

describe('kafkaPublishers', () => {
  it('gives each publisher the domains its event types reach, and refuses ids unfit for a topic name', () => {
    expect(
      kafkaPublishers([
        { id: 'a', role: 'publisher', types: ['vn.lgsp.dossier.*', 'vn.lgsp.land.parcel.registered.v1'] },
        { id: 'b', role: 'publisher', types: ['vn.lgsp.*'] },
        { id: 'c', role: 'consumer' },
        { id: 'd', role: 'publisher', types: ['vn.other.*'] },
      ]),
    ).toEqual([
      { agency: 'a', domains: ['dossier', 'land'] },
      { agency: 'b', domains: ['dossier', 'land', 'health'] },
    ]);
    expect(() => kafkaPublishers([{ id: 'x/../y', role: 'publisher', types: ['*'] }])).toThrow(/topic name/);
    expect(() => kafkaPublishers([{ id: 'x..y', role: 'publisher', types: ['*'] }])).toThrow(/topic name/);
  });
});
