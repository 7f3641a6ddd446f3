import { XRoadError } from './errors';

/** Configuration as read from JSON, loosely typed so that specs can break it in every way. */
export interface RawAccessConfig {
  providers: {
    id: string;
    name?: string;
    services: {
      code: string;
      type?: string;
      endpoints?: { method: string; path: string }[];
      openApi?: unknown;
    }[];
  }[];
  clients: { id: string; name?: string; grants: { provider: string; services: string[] }[] }[];
}

/** A provider endpoint configuration for the X-Road specs: one provider, a national and a provincial client. */
export function accessConfig(): RawAccessConfig {
  return {
    providers: [
      {
        id: 'VN/GOV/000.00.00.H22/LGSP',
        name: 'Nền tảng tích hợp tỉnh',
        services: [
          {
            code: 'dossierStatus',
            type: 'OPENAPI',
            endpoints: [{ method: 'get', path: '/dossiers/*' }],
            openApi: { openapi: '3.0.3', info: { title: 'Dossier status', version: '1' }, paths: {} },
          },
          { code: 'landParcel', type: 'REST' },
          {
            code: 'citizenDossiers',
            type: 'OPENAPI',
            endpoints: [{ method: 'GET', path: '/citizens/*/dossiers' }],
            openApi: 'openapi: 3.0.3\ninfo:\n  title: Citizen dossiers\n  version: "1"\npaths: {}\n',
          },
        ],
      },
    ],
    clients: [
      {
        id: 'VN/GOV/000.00.00.G22/DVCQG',
        name: 'Cổng Dịch vụ công quốc gia',
        grants: [{ provider: 'VN/GOV/000.00.00.H22/LGSP', services: ['dossierStatus', 'citizenDossiers'] }],
      },
      {
        id: 'VN/GOV/000.00.00.H26/LGSP',
        name: 'Nền tảng tích hợp tỉnh lân cận',
        grants: [{ provider: 'VN/GOV/000.00.00.H22/LGSP', services: ['landParcel'] }],
      },
    ],
  };
}

/** The X-Road error type `fn` throws, or 'none' when it returns. */
export function xroadErrorType(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof XRoadError) return error.type;
    throw error;
  }
  return 'none';
}
