// Unit tests (`*.unit.test.ts`) need nothing; integration tests (`*.int.test.ts`) get a real Temporal dev
// server and a real Postgres from test/setup/global-setup.ts; fault tests (`*.fault.test.ts`, `npm run
// test:faults`) also stop and start the machine's Postgres, so they run apart, as root.
const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// ESM-only dependencies that jest's CommonJS runtime must transform.
const esmOnly = ['@renovatebot/ruby-semver', 'marked', 'p-map', 'feed'];
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];

// Integration and fault tests share one Temporal dev server and workflow bundle per run.
const withServers = {
  testPathIgnorePatterns: ['/node_modules/', '/.data/'],
  transform,
  transformIgnorePatterns,
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/setup/timeout.ts'],
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.unit.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/.data/'],
      transform,
      transformIgnorePatterns,
    },
    { displayName: 'int', testMatch: ['<rootDir>/test/**/*.int.test.ts'], ...withServers },
    { displayName: 'faults', testMatch: ['<rootDir>/test/**/*.fault.test.ts'], ...withServers },
  ],
};
