import type { DvcqgRestSettings, NationalAdapter, XRoadRestSettings } from './adapter';
import { DvcqgRestAdapter } from './dvcqg/rest-adapter';
import { XRoadRestAdapter, type AdapterLog } from './xroad/rest-adapter';

/**
 * The national adapter the settings name (LGSP_NATIONAL_ADAPTER): the DVCQG sync over REST, or the same calls
 * through the province's X-Road security server. `log` receives what does not fail a call but should be looked
 * at (an X-Road answer without its request hash).
 */
export function createNationalAdapter(
  settings: DvcqgRestSettings | XRoadRestSettings,
  log?: AdapterLog,
): NationalAdapter {
  switch (settings.kind) {
    case 'dvcqg-rest':
      return new DvcqgRestAdapter(settings);
    case 'xroad-rest':
      return new XRoadRestAdapter(settings, log);
  }
}
