import { readFileSync } from 'node:fs';
import { loadMessageLogSettings, type MessageLogSettings } from '@lgsp/message-log';
import { loadAuditSettings, loadAuditSubjectKey, type AuditSettings } from '@lgsp/audit';
import { callersFile, ConfigError, int, optional, policyFile, str, type Env } from '@lgsp/core';
import { loadKafkaSettings, type KafkaSettings } from '@lgsp/kafka';
import {
  checkedPart,
  DefaultCircuitBreakerOptions,
  DefaultRetryPolicy,
  DvcqgDefaultPaths,
  parseSubsystemId,
  validateCircuitBreakerOptions,
  validateRetryPolicy,
  type CircuitBreakerOptions,
  type NationalAdapterSettings,
  type RetryPolicy,
  type XRoadServiceId,
} from '@lgsp/national';
import { loadIntrospectionAccess, type IntrospectionAccess } from '@lgsp/policy';
import { loadXRoadProviderConfig, type XRoadProviderConfig } from './inbound';
import { loadStoreSettings, type StoreSettings } from '@lgsp/store';

export interface NationalBridgeConfig {
  port: number;
  host: string;
  logLevel: string;
  /** the consumer group of the dossier topic and of the redrive topic */
  consumerGroup: string;
  /** the dossier topic consumed: lgsp.dossier.events unless given (a test gives one of its own) */
  topic?: string;
  kafka: KafkaSettings;
  store: StoreSettings;
  /** the event schemas folder; the repository's schemas/ when unset */
  schemasDir?: string;
  callersFile: string;
  policyFile: string;
  auditSubjectKey: string;
  audit: AuditSettings;
  introspection: IntrospectionAccess;
  /** which national side, and how to reach it (secrets from the environment only) */
  adapter: NationalAdapterSettings;
  retry: RetryPolicy;
  breaker: CircuitBreakerOptions;
  /** dossiers delivered at the same time (each dossier's calls stay one at a time, in order) */
  concurrency: number;
  /** NguoiXuLy of a step whose event names no officer and no unit */
  systemActor: string;
  /** agency code → unit name, DonViXuLy before any event named the handling unit */
  agencyNames: Record<string, string>;
  /** the message log of every exchange with the national side, both directions */
  messageLog: MessageLogSettings;
  /** the inbound X-Road provider endpoint (/r1/*, /listClients) */
  provider: XRoadProviderConfig;
}

const ADAPTERS = ['dvcqg-rest', 'xroad-rest'] as const;

/**
 * The bridge's settings from an environment map (only main.ts passes process.env). A bad value fails start-up
 * with the name of its variable. The national account's password is read from the environment only.
 */
export function loadNationalBridgeConfig(env: Env): NationalBridgeConfig {
  const timeoutMs = int(env, 'LGSP_NATIONAL_TIMEOUT_MS', 15_000, 100, 600_000);
  const baseMs = int(env, 'LGSP_NATIONAL_RETRY_BASE_MS', DefaultRetryPolicy.baseMs, 1);
  // every bound is checked by int() naming its variable, so the policy check below cannot fail on them
  const retry = validateRetryPolicy({
    ...DefaultRetryPolicy,
    baseMs,
    maxMs: int(env, 'LGSP_NATIONAL_RETRY_MAX_MS', Math.max(baseMs, DefaultRetryPolicy.maxMs), baseMs),
    maxAttempts: int(env, 'LGSP_NATIONAL_RETRY_MAX_ATTEMPTS', DefaultRetryPolicy.maxAttempts, 1, 1000),
  });
  const breaker = validateCircuitBreakerOptions({
    ...DefaultCircuitBreakerOptions,
    failureThreshold: int(
      env,
      'LGSP_NATIONAL_BREAKER_FAILURES',
      DefaultCircuitBreakerOptions.failureThreshold,
      1,
      1000,
    ),
    openMs: int(env, 'LGSP_NATIONAL_BREAKER_OPEN_MS', DefaultCircuitBreakerOptions.openMs, 1),
  });
  return {
    port: int(env, 'NATIONAL_BRIDGE_PORT', 3210, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    logLevel: str(env, 'LOG_LEVEL', 'info'),
    consumerGroup: str(env, 'NATIONAL_BRIDGE_CONSUMER_GROUP', 'lgsp-national-bridge'),
    kafka: loadKafkaSettings(env, 'lgsp-national-bridge'),
    store: loadStoreSettings(env, 'national-bridge'),
    schemasDir: optional(env, 'LGSP_SCHEMAS_DIR'),
    callersFile: callersFile(env),
    policyFile: policyFile(env),
    auditSubjectKey: loadAuditSubjectKey(env),
    audit: loadAuditSettings(env),
    introspection: loadIntrospectionAccess(env),
    adapter: loadAdapterSettings(env, timeoutMs),
    retry,
    breaker,
    concurrency: int(env, 'LGSP_NATIONAL_CONCURRENCY', 8, 1, 256),
    systemActor: str(env, 'LGSP_NATIONAL_SYSTEM_ACTOR', 'Hệ thống một cửa điện tử'),
    agencyNames: loadAgencyNames(optional(env, 'LGSP_NATIONAL_AGENCY_NAMES')),
    messageLog: loadMessageLogSettings(env),
    provider: loadXRoadProviderConfig(env),
  };
}

function loadAdapterSettings(env: Env, timeoutMs: number): NationalAdapterSettings {
  const kind = str(env, 'LGSP_NATIONAL_ADAPTER', 'dvcqg-rest');
  if (!(ADAPTERS as readonly string[]).includes(kind))
    throw new ConfigError('LGSP_NATIONAL_ADAPTER', `must be one of ${ADAPTERS.join(', ')}, got "${kind}"`);
  const agencyCode = str(env, 'LGSP_DVCQG_AGENCY_CODE');
  if (kind === 'dvcqg-rest') {
    const destinationCode = optional(env, 'LGSP_DVCQG_DSTCODE');
    return {
      kind,
      baseUrl: url(env, 'LGSP_DVCQG_URL', 'http://127.0.0.1:3200'),
      loginPath: str(env, 'LGSP_DVCQG_LOGIN_PATH', DvcqgDefaultPaths.login),
      syncPath: str(env, 'LGSP_DVCQG_SYNC_PATH', DvcqgDefaultPaths.sync),
      username: str(env, 'LGSP_DVCQG_USERNAME'),
      password: str(env, 'LGSP_DVCQG_PASSWORD'),
      agencyCode,
      ...(destinationCode ? { destinationCode } : {}),
      timeoutMs,
    };
  }
  const certFile = optional(env, 'LGSP_XROAD_TLS_CERT');
  const keyFile = optional(env, 'LGSP_XROAD_TLS_KEY');
  const caFile = optional(env, 'LGSP_XROAD_TLS_CA');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ConfigError(
      certFile ? 'LGSP_XROAD_TLS_KEY' : 'LGSP_XROAD_TLS_CERT',
      'is required with the other half of the client certificate',
    );
  const client = checked(
    () => parseSubsystemId(str(env, 'LGSP_XROAD_CLIENT'), 'LGSP_XROAD_CLIENT'),
    'LGSP_XROAD_CLIENT',
  );
  return {
    kind: 'xroad-rest',
    securityServerUrl: url(env, 'LGSP_XROAD_SECURITY_SERVER_URL'),
    client,
    service: parseServiceId(str(env, 'LGSP_XROAD_SERVICE')),
    ...(certFile && keyFile ? { tls: { certFile, keyFile, ...(caFile ? { caFile } : {}) } } : {}),
    agencyCode,
    timeoutMs,
  };
}

/** instance/memberClass/memberCode/subsystemCode/serviceCode */
function parseServiceId(raw: string): XRoadServiceId {
  const name = 'LGSP_XROAD_SERVICE';
  return checked(() => {
    const cut = raw.lastIndexOf('/');
    if (cut < 0) throw new Error('expected instance/memberClass/memberCode/subsystemCode/serviceCode');
    const provider = parseSubsystemId(raw.slice(0, cut), name);
    return { ...provider, serviceCode: checkedPart(decodeURIComponent(raw.slice(cut + 1)), name) };
  }, name);
}

function url(env: Env, name: string, fallback?: string): string {
  const value = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  return value;
}

/** LGSP_NATIONAL_AGENCY_NAMES: a JSON file of agency code → unit name. */
function loadAgencyNames(file: string | undefined): Record<string, string> {
  if (file === undefined) return {};
  const name = 'LGSP_NATIONAL_AGENCY_NAMES';
  const parsed = checked(() => JSON.parse(readFileSync(file, 'utf8')) as unknown, name);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(name, `${file} must hold a JSON object of agency code → unit name`);
  for (const [code, unit] of Object.entries(parsed))
    if (typeof unit !== 'string' || unit.trim() === '')
      throw new ConfigError(name, `${file}: the name of ${code} must be a non-empty string`);
  return parsed as Record<string, string>;
}

/** Runs a parse; any failure becomes a ConfigError naming the variable (a ConfigError passes as it is). */
function checked<T>(parse: () => T, variable: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // fs errors come from another realm under some runners: read the message without instanceof
    const message = (error as { message?: unknown } | null)?.message;
    throw new ConfigError(variable, typeof message === 'string' ? message : String(error));
  }
}
