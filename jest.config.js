/** Unit specs live beside the code (*.spec.ts); integration tests in test/ (*.test.ts). */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/services/**/*.spec.ts',
    '<rootDir>/tools/**/*.spec.ts',
    '<rootDir>/test/**/*.test.ts',
  ],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleNameMapper: {
    '^@flowbridge/(contracts|platform|outbound|testing|flow-engine|api-client)$': '<rootDir>/libs/$1/src',
    '^@flowbridge/(contracts|platform|outbound|testing|flow-engine|api-client)/(.*)$':
      '<rootDir>/libs/$1/src/$2',
  },
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  // The reliability report (RELIABILITY.md's scenarios), when FB_RELIABILITY_DIR asks for one.
  reporters: ['default', '<rootDir>/test/reliability/reporter.js'],
  testTimeout: 30000,
  maxWorkers: process.env.CI ? 2 : '50%',
};
