import { ConfigError, int, str, type Env } from '@lgsp/core';
import {
  parseServiceId,
  parseSubsystemId,
  XRoadError,
  type XRoadServiceId,
  type XRoadSubsystemId,
} from '@lgsp/national';

export interface NationalSimConfig {
  port: number;
  host: string;
  /** the account the simulated national side accepts at login (the bridge's LGSP_DVCQG_USERNAME/PASSWORD) */
  username: string;
  password: string;
  /** how long a session stays valid */
  sessionTtlMs: number;
  /** when set, /sim/* (state and faults) asks for `Authorization: Bearer <token>` */
  controlToken?: string;
  /**
   * The X-Road REST form: the portal's sync service the calls go to (`/r1/{service}/{call}`), and the one client
   * subsystem its security server lets call it (the province's, as the bridge's LGSP_XROAD_CLIENT).
   */
  xroad: { service: XRoadServiceId; client: XRoadSubsystemId };
  logLevel: string;
}

/** The simulated portal's service and the province's subsystem, unless configured otherwise. */
export const NationalSimXRoadDefaults = {
  service: 'VN/GOV/000.00.00.G22/DVCQG/dvcqgSync',
  client: 'VN/GOV/000.00.00.H22/LGSP',
} as const;

export function loadNationalSimConfig(env: Env): NationalSimConfig {
  const controlToken = str(env, 'NATIONAL_SIM_CONTROL_TOKEN', '');
  return {
    port: int(env, 'NATIONAL_SIM_PORT', 3200, 0, 65535),
    host: str(env, 'LGSP_HOST', '127.0.0.1'),
    username: str(env, 'NATIONAL_SIM_USERNAME', 'lgsp-dev'),
    // a development account of a simulator, not a secret of any real system
    password: str(env, 'NATIONAL_SIM_PASSWORD', 'lgsp-dev-password'),
    sessionTtlMs: int(env, 'NATIONAL_SIM_SESSION_TTL_MS', 30 * 60_000, 1000),
    ...(controlToken ? { controlToken } : {}),
    xroad: {
      service: xroadId(env, 'NATIONAL_SIM_XROAD_SERVICE', NationalSimXRoadDefaults.service, parseServiceId),
      client: xroadId(env, 'NATIONAL_SIM_XROAD_CLIENT', NationalSimXRoadDefaults.client, parseSubsystemId),
    },
    logLevel: str(env, 'LOG_LEVEL', 'info'),
  };
}

function xroadId<T>(env: Env, name: string, fallback: string, parse: (value: string, what: string) => T): T {
  const value = str(env, name, fallback);
  try {
    return parse(value, `'${value}'`);
  } catch (error) {
    if (error instanceof XRoadError) throw new ConfigError(name, error.message);
    throw error;
  }
}
