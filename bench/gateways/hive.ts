/** Hive Gateway over our subgraphs, for the gateway benchmark only (not part of the hub). */
import { createServer } from 'node:http';
import { parse } from 'graphql';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { composeServices } from '@theguild/federation-composition';
import { EXTRA_HEADERS, fetchSdl, FORWARDED, subgraphsFromEnv } from './subgraphs';

async function main(): Promise<void> {
  const subgraphs = subgraphsFromEnv();
  const services = await Promise.all(
    subgraphs.map(async (s) => ({ name: s.name, url: s.url, typeDefs: parse(await fetchSdl(s)) })),
  );
  const composed = composeServices(services);
  if (composed.errors?.length) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const gateway = createGatewayRuntime({
    supergraph: composed.supergraphSdl as string,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({
        ...Object.fromEntries(FORWARDED.map((name) => [name, request.headers.get(name) ?? ''])),
        ...EXTRA_HEADERS,
      }),
    },
  });
  // Exit on SIGTERM instead of dying of it (Apollo Server does the same): `node --cpu-prof` writes the
  // benchmark's profile only when the process exits.
  process.once('SIGTERM', () => process.exit(0));
  const port = Number(process.env.PORT);
  // The runtime is a request listener for node:http (it also answers fetch-style calls).
  createServer((request, response) => void gateway(request, response)).listen(port, '127.0.0.1', () =>
    process.stdout.write(`hive gateway http://127.0.0.1:${port}/graphql\n`),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
