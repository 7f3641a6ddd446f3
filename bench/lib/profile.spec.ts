import { categoryOf, formatShares, summarizeProfiles } from './profile';

describe(categoryOf.name, () => {
  it.each([
    ['(idle)', '', 'idle'],
    ['(garbage collector)', '', 'garbage collector'],
    ['(program)', '', 'Node.js runtime'],
    ['wasm-function[12]', 'wasm://wasm/0a1b', 'database'],
    ['query', 'file:///srv/node_modules/@electric-sql/pglite/dist/index.cjs', 'database'],
    ['parse', 'file:///srv/node_modules/pg-protocol/dist/parser.js', 'database'],
    ['encode', 'file:///srv/node_modules/kafkajs/src/protocol/encoder.js', 'Kafka client'],
    ['execute', 'file:///srv/node_modules/graphql/execution/execute.js', 'GraphQL and HTTP libraries'],
    [
      'handle',
      'file:///srv/node_modules/@nestjs/core/router/router-execution-context.js',
      'GraphQL and HTTP libraries',
    ],
    ['x', 'file:///srv/node_modules/left-pad/index.js', 'other libraries'],
    ['publishOne', 'file:///srv/dist/apps/ingest/src/ingest.service.js', 'hub code'],
    ['validate', 'file:///srv/libs/schema-registry/src/schema-registry.ts', 'hub code'],
    ['writeBuffer', 'node:internal/net', 'Node.js runtime'],
  ])('%s in %s is %s', (functionName, url, category) => {
    expect(categoryOf(functionName, url)).toBe(category);
  });
});

describe(summarizeProfiles.name, () => {
  const frame = (functionName: string, url: string) => ({ functionName, url });
  // root → publishOne (hub) → JSON.parse (a builtin: no script); root → kafkajs encode; root → (idle)
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5] },
      {
        id: 2,
        callFrame: frame('publishOne', 'file:///srv/dist/apps/ingest/src/ingest.service.js'),
        children: [3],
      },
      { id: 3, callFrame: frame('parse', '') },
      { id: 4, callFrame: frame('encode', 'file:///srv/node_modules/kafkajs/src/protocol/encoder.js') },
      { id: 5, callFrame: frame('(idle)', '') },
    ],
    samples: [2, 3, 3, 4, 5, 5, 5, 5],
    timeDeltas: [10, 10, 10, 10, 10, 10, 10, 10],
  };

  it('shares the sampled time by category, a builtin counted for the code that called it', () => {
    const shares = summarizeProfiles([profile]);
    expect(shares['hub code']).toBeCloseTo(3 / 8);
    expect(shares['Kafka client']).toBeCloseTo(1 / 8);
    expect(shares.idle).toBeCloseTo(4 / 8);
    expect(shares.database).toBe(0);
    expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('adds several profiles up by their time, and prints the categories that matter', () => {
    const idleOnly = { nodes: [{ id: 1, callFrame: frame('(idle)', '') }], samples: [1], timeDeltas: [80] };
    const shares = summarizeProfiles([profile, idleOnly]);
    expect(shares.idle).toBeCloseTo(120 / 160);
    expect(formatShares(shares)).toBe('hub code 19% · Kafka client 6% · idle 75%');
  });

  it('is all zeros for no samples', () => {
    expect(Object.values(summarizeProfiles([]))).toEqual(Array(8).fill(0));
  });
});
