/** Apollo Gateway over our subgraphs, for the gateway benchmark only (not part of the hub). */
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { EXTRA_HEADERS, FORWARDED, SERVICE_KEY, subgraphsFromEnv } from './subgraphs';

type Ctx = Record<string, string | undefined>;

async function main(): Promise<void> {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: subgraphsFromEnv(),
      introspectionHeaders: { 'x-api-key': SERVICE_KEY },
    }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<Ctx>({
        url,
        willSendRequest({ request, context }) {
          for (const name of FORWARDED) {
            const value = (context as Ctx)[name];
            if (value) request.http?.headers.set(name, value);
          }
          for (const [name, value] of Object.entries(EXTRA_HEADERS)) request.http?.headers.set(name, value);
        },
      }),
  });
  const server = new ApolloServer<Ctx>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
    context: async ({ req }) =>
      Object.fromEntries(FORWARDED.map((name) => [name, req.headers[name] as string | undefined])),
  });
  process.stdout.write(`apollo gateway ${url}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
