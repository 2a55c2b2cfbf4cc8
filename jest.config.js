// Three projects: unit (no sockets), integration (real SDKs against the sandbox over HTTPS, and the
// store on a real PostgreSQL server), e2e (Chromium). swc transpiles TypeScript and the ESM-only
// `jose` into CommonJS for jest.
const swc = [
  '@swc/jest',
  {
    jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true } },
    module: { type: 'commonjs' },
  },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/sqlite-error-realm.ts'],
};
module.exports = {
  // A generous limit (jest reads it globally, not per project): RSA key generation, sandbox and
  // browser start-up are slow on a loaded 2-core machine. It only bounds a hang; no test asserts on time.
  testTimeout: 120_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Also starts a throwaway PostgreSQL server for the store tests, once per run (test/support/postgres.ts).
      globalSetup: '<rootDir>/test/support/global-setup-integration.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown-integration.ts',
      slowTestThreshold: 30,
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
