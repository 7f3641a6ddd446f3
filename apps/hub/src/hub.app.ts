import type { RunningApp } from '@lgsp/platform';
import { createLogger } from '@lgsp/observability';
import { startAdmin } from '../../admin/src/admin.app';
import { startDossier } from '../../dossier/src/dossier.app';
import { startGateway } from '../../gateway/src/gateway.app';
import { startHealth } from '../../health/src/health.app';
import { startIngest } from '../../ingest/src/ingest.app';
import { startLand } from '../../land/src/land.app';
import { startNationalBridge } from '../../national-bridge/src/national-bridge.app';
import { startNationalSim } from '../../national-sim/src/national-sim.app';
import type { HubConfig } from './hub.config';

type Started<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export interface RunningHub {
  ingest: Started<typeof startIngest>;
  dossier: Started<typeof startDossier>;
  land: Started<typeof startLand>;
  health: Started<typeof startHealth>;
  gateway: Started<typeof startGateway>;
  admin: Started<typeof startAdmin>;
  nationalBridge: Started<typeof startNationalBridge>;
  /** the simulator of the national side, when none is configured (HubConfig.nationalSim) */
  nationalSim?: Started<typeof startNationalSim>;
  /** stops the services in the reverse order of their start */
  close(): Promise<void>;
}

/** Closes the services in reverse order; one that fails to close does not keep the others open. */
async function closeAll(services: RunningApp[]): Promise<void> {
  const errors: unknown[] = [];
  for (const service of [...services].reverse()) await service.close().catch((e: unknown) => errors.push(e));
  if (errors.length > 0) throw errors[0];
}

/**
 * Every service of the hub in this one process, each through its own start function, on its own port,
 * as it runs alone: the national simulator when no national side is configured, ingest, the three domain
 * services, the national bridge (a subgraph too), the gateway (which needs the subgraphs up), then admin. A service that fails to start stops the
 * ones already started.
 */
export async function startHub(config: HubConfig): Promise<RunningHub> {
  const started: RunningApp[] = [];
  const start = async <S extends RunningApp>(running: Promise<S>): Promise<S> => {
    const service = await running;
    started.push(service);
    return service;
  };
  try {
    const nationalSim = config.nationalSim ? await start(startNationalSim(config.nationalSim)) : undefined;
    const ingest = await start(startIngest(config.ingest));
    const dossier = await start(startDossier(config.dossier));
    const land = await start(startLand(config.land));
    const health = await start(startHealth(config.health));
    const bridgeConfig = config.nationalBridge;
    const nationalBridge = await start(
      startNationalBridge(
        nationalSim && bridgeConfig.adapter.kind === 'dvcqg-rest'
          ? { ...bridgeConfig, adapter: { ...bridgeConfig.adapter, baseUrl: nationalSim.url } }
          : bridgeConfig,
      ),
    );
    const subgraphs = { dossier, land, health, 'national-bridge': nationalBridge };
    const gateway = await start(
      startGateway(
        config.ownSubgraphs
          ? {
              ...config.gateway,
              subgraphs: Object.entries(subgraphs).map(([name, s]) => ({ name, url: `${s.url}/graphql` })),
            }
          : config.gateway,
      ),
    );
    const admin = await start(startAdmin(config.admin));
    return {
      ingest,
      dossier,
      land,
      health,
      gateway,
      admin,
      nationalBridge,
      ...(nationalSim ? { nationalSim } : {}),
      close: () => closeAll(started),
    };
  } catch (error) {
    // The start failure is the error to report; one in closing what had started is logged beside it.
    await closeAll(started).catch((closing: unknown) =>
      createLogger('hub', config.ingest.logLevel).error(
        { err: closing },
        'stopping the started services failed',
      ),
    );
    throw error;
  }
}
