import type { IHeaders } from 'kafkajs';
import type { CloudEvent } from '@lgsp/contracts';

// The envelope is part of the contract; this file is its Kafka binding.
export type { CloudEvent };

export interface KafkaRecord {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

const CORE = ['id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema'] as const;

/** CloudEvents Kafka protocol binding, binary mode: attributes in ce_* headers, data as the value. */
export function toKafkaRecord(event: CloudEvent, key: string): KafkaRecord {
  const headers: Record<string, string> = { ce_specversion: '1.0' };
  for (const name of CORE) {
    const value = event[name];
    if (value !== undefined) headers[name === 'datacontenttype' ? 'content-type' : `ce_${name}`] = value;
  }
  headers['content-type'] ??= 'application/json';
  for (const [name, value] of Object.entries(event.extensions ?? {})) headers[`ce_${name}`] = value;
  return { key, value: Buffer.from(JSON.stringify(event.data)), headers };
}

export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const v = Array.isArray(value) ? value[value.length - 1] : value;
    out[name] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
}

export class CloudEventDecodeError extends Error {}

/** Reads a binary-mode record back into a CloudEvent; throws CloudEventDecodeError when it is not one. */
export function fromKafkaRecord(headers: Record<string, string>, value: Buffer | null): CloudEvent {
  const get = (name: string): string | undefined => headers[`ce_${name}`];
  const id = get('id');
  const source = get('source');
  const type = get('type');
  if (get('specversion') !== '1.0' || !id || !source || !type) {
    throw new CloudEventDecodeError(
      'record is not a CloudEvent in binary mode (ce_specversion, ce_id, ce_source, ce_type)',
    );
  }
  let data: unknown;
  try {
    data = value === null ? null : JSON.parse(value.toString('utf8'));
  } catch {
    throw new CloudEventDecodeError('record value is not JSON');
  }
  const extensions: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers)) {
    if (!name.startsWith('ce_')) continue;
    const attr = name.slice(3);
    if (attr !== 'specversion' && !(CORE as readonly string[]).includes(attr)) extensions[attr] = v;
  }
  return {
    specversion: '1.0',
    id,
    source,
    type,
    subject: get('subject'),
    time: get('time'),
    datacontenttype: headers['content-type'],
    dataschema: get('dataschema'),
    data,
    ...(Object.keys(extensions).length ? { extensions } : {}),
  };
}
