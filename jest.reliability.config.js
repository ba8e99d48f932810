/**
 * The slow reliability scenarios (test/reliability/*.slow.ts): load, soak and long outages. `npm test` runs
 * them at RELIABILITY_SCALE=0.1 of their durations; `npm run reliability` at full length, for the report.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/reliability/**/*.slow.ts'],
  testTimeout: 30 * 60 * 1000,
  // One at a time: they measure throughput and latency, which a neighbour would skew.
  maxWorkers: 1,
};
