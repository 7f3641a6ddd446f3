import { HubError, type ValidationIssue } from '@lgsp/core';
import { envelopeIssues, isExtensionName, type CloudEvent } from '@lgsp/kafka';

const RESERVED = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataschema',
  'data',
  'data_base64',
]);

/**
 * Checks a structured-mode CloudEvent (already parsed JSON) and returns it typed, or throws
 * LGSP_ERR_CLOUDEVENT_INVALID listing every bad attribute.
 */
export function parseStructuredEvent(input: unknown, pointerPrefix = ''): CloudEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new HubError('LGSP_ERR_CLOUDEVENT_INVALID', 'a CloudEvent must be a JSON object', [
      { pointer: pointerPrefix || '/', message: 'must be an object' },
    ]);
  }
  const obj = input as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const requireString = (name: string): string => {
    const value = obj[name];
    if (typeof value !== 'string' || value.length === 0) {
      issues.push({
        pointer: `${pointerPrefix}/${name}`,
        message: 'is required and must be a non-empty string',
      });
      return '';
    }
    return value;
  };
  if (obj.specversion !== '1.0')
    issues.push({ pointer: `${pointerPrefix}/specversion`, message: 'must be "1.0"' });
  const id = requireString('id');
  const source = requireString('source');
  const type = requireString('type');
  for (const name of ['subject', 'dataschema'] as const) {
    if (obj[name] !== undefined && typeof obj[name] !== 'string') {
      issues.push({ pointer: `${pointerPrefix}/${name}`, message: 'must be a string' });
    }
  }
  if (obj.time !== undefined && (typeof obj.time !== 'string' || Number.isNaN(Date.parse(obj.time)))) {
    issues.push({ pointer: `${pointerPrefix}/time`, message: 'must be an RFC 3339 timestamp' });
  }
  const contentType = obj.datacontenttype;
  if (
    contentType !== undefined &&
    (typeof contentType !== 'string' || !/^application\/(.+\+)?json\b/.test(contentType))
  ) {
    issues.push({
      pointer: `${pointerPrefix}/datacontenttype`,
      message: 'must be application/json: the hub carries JSON data',
    });
  }
  if (obj.data_base64 !== undefined)
    issues.push({ pointer: `${pointerPrefix}/data_base64`, message: 'binary data is not accepted' });
  if (obj.data === undefined) issues.push({ pointer: `${pointerPrefix}/data`, message: 'is required' });
  const extensions: Record<string, string> = {};
  for (const [name, value] of Object.entries(obj)) {
    if (RESERVED.has(name)) continue;
    if (!isExtensionName(name)) {
      issues.push({
        pointer: `${pointerPrefix}/${name.slice(0, 64)}`,
        message: 'extension names are 1-20 lowercase letters or digits',
      });
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      extensions[name] = String(value);
    } else
      issues.push({
        pointer: `${pointerPrefix}/${name}`,
        message: 'an extension must be a string, number or boolean',
      });
  }
  if (issues.length > 0) throw invalid(issues);
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source,
    type,
    subject: obj.subject as string | undefined,
    time: obj.time as string | undefined,
    datacontenttype: contentType as string | undefined,
    dataschema: obj.dataschema as string | undefined,
    data: obj.data,
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
  };
  const limits = envelopeIssues(event, pointerPrefix);
  if (limits.length > 0) throw invalid(limits);
  return event;
}

function invalid(issues: ValidationIssue[]): HubError {
  return new HubError('LGSP_ERR_CLOUDEVENT_INVALID', 'the CloudEvent attributes are not valid', issues);
}

/** Binary mode: attributes in ce-* headers, the body is the data. */
export function parseBinaryEvent(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): CloudEvent {
  const structured: Record<string, unknown> = { data: body, datacontenttype: headers['content-type'] };
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('ce-') && typeof value === 'string') structured[name.slice(3)] = value;
  }
  return parseStructuredEvent(structured);
}
