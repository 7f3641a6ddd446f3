/**
 * Tiers, each its own command: unit specs beside the code, integration and e2e against real Kafka and a
 * real database, the property-based fuzz suite against the same real services, and the fault suite,
 * which starts and breaks its own brokers (docker/kafka-local/kafka.sh).
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
};

// Integration and e2e tests talk to a real broker and database on a shared 2-core machine: a test or hook
// without its own limit gets 30 s, not jest's 5 s (see libs/testing/src/jest-timeout.ts).
const real = { ...base, setupFilesAfterEnv: ['<rootDir>/libs/testing/src/jest-timeout.ts'] };

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,docker,bench}/**/*.spec.ts'] },
    {
      ...real,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
    {
      ...real,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
    // No global setup: this tier never uses the shared broker, it starts its own on other ports.
    { ...base, displayName: 'fault', testMatch: ['<rootDir>/test/fault/**/*.fault-spec.ts'] },
    // Also without: Kafka authentication and ACLs against a SASL broker of its own (kafka.sh, LGSP_KAFKA_SASL=1).
    { ...base, displayName: 'security', testMatch: ['<rootDir>/test/security/**/*.sec-spec.ts'] },
  ],
};
