// @ts-check
import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of libs/, lowest first: a lib imports only libs of lower layers (derived from the imports the
 * code has; no cycles). Apps sit above every lib and never import each other; libs never import apps.
 * libs/testing (the real-service harness) is for test/ and bench/ only; unit specs (*.spec.ts) use
 * libs/samples for data, as the demo does.
 */
const layers = [
  ['core'], // no framework: errors, config, paths, batcher
  ['contracts', 'observability'],
  ['store', 'kafka'],
  ['auth'],
  ['platform', 'schema-registry', 'samples'], // platform: the Nest application on Fastify
  ['audit'],
  ['policy'],
  ['operations', 'domain-service', 'national'],
  ['message-log'], // the national bridge's message log: the audit's signed chain behind national's recorder
];

// A new lib gets a place in the layers before it gets code: lint stops here until it has one.
const unplaced = readdirSync(new URL('libs', import.meta.url)).filter(
  (name) => name !== 'testing' && !layers.flat().includes(name),
);
if (unplaced.length > 0)
  throw new Error(`eslint.config.mjs: place libs/${unplaced.join(', libs/')} in the layers`);

const lib = (name) => ({ group: [`@lgsp/${name}`, `@lgsp/${name}/*`] });
const noApps = {
  // another app's or lib's files by a relative path (`../../dossier/src/...`, `../../../apps/...`)
  group: ['../../*/src/*', '../*/src/*', '**/apps/*', '**/libs/*'],
  message:
    'apps never import other apps and libs never import apps; shared code goes to libs/, imported by its @lgsp/ alias',
};
// apps/hub, the one-process hub, composes the services: their config loaders and start functions only.
const hubImports = {
  group: ['../../*/src/*', '!../../*/src/*.app', '!../../*/src/*.config', '**/libs/*'],
  message:
    "apps/hub imports only the services' config loaders and start functions (<app>/src/<app>.app, .config)",
};
const noFramework = {
  group: ['@nestjs/*', 'fastify', 'fastify/*', '@fastify/*', 'mercurius', 'kafkajs', 'pg', '@electric-sql/*'],
  message: 'libs/core holds no framework or client: it is what every other lib and the CLI load',
};
const noTesting = {
  ...lib('testing'),
  message: '@lgsp/testing is the test harness: test/ and bench/ only (sample data: @lgsp/samples)',
};

function boundaries() {
  const restrict = (files, patterns, ignores = ['**/*.spec.ts']) => ({
    files,
    ignores,
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  });
  return [
    restrict(['apps/**/*.ts'], [noApps, noTesting], ['**/*.spec.ts', 'apps/hub/**']),
    restrict(['apps/hub/**/*.ts'], [hubImports, noTesting]),
    ...layers.flatMap((layer, index) =>
      layer.map((name) =>
        restrict(
          [`libs/${name}/**/*.ts`],
          [
            noApps,
            noTesting,
            ...(name === 'core' ? [noFramework] : []),
            ...layers
              .slice(index)
              .flat()
              .filter((other) => other !== name)
              .map((other) => ({
                ...lib(other),
                message: `libs/${name} imports only libs of lower layers (eslint.config.mjs), and libs/${other} is not one`,
              })),
          ],
        ),
      ),
    ),
    restrict(['libs/testing/**/*.ts'], [noApps]),
    // Unit specs may use an app's or a higher lib's code (the policy spec reads the subgraphs' schemas), not the harness.
    restrict(['**/*.spec.ts'], [noTesting], []),
  ];
}

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      '.local',
      'coverage',
      'libs/contracts/src/generated',
      '*.config.js',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...boundaries(),
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      // expect.objectContaining and friends are typed any
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
