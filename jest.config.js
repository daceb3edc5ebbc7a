/**
 * Two projects in one run (`npm test`, or `npx jest <files>`):
 * - `unit`: the tests that touch no storage. No global setup, so they need no Java:
 *   `npm run test:unit` runs only these.
 * - `storage`: the tests on DynamoDB Local (the store, the handlers on it, the local server,
 *   `npm start`). Their global setup starts DynamoDB Local once per run, and only when one of them
 *   is selected: `npx jest test/lib/call/phone.test.ts` starts nothing.
 * A test file is a storage test when it imports a helper that reaches DynamoDB (STORAGE_MARKERS),
 * or says `@dynamodb` in a comment (one that starts it another way, e.g. through `npm start`).
 * A storage test classed as unit by mistake fails under `npm run test:unit` ("DYNAMODB_ENDPOINT is not set").
 */
const fs = require('node:fs');
const path = require('node:path');

// The AWS SDK's 9-line notice on Node < 22 (the README says once which Node versions it supports):
// set here, in the process that runs the global setup and starts the workers, so all of them inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const STORAGE_MARKERS = /from '[./]*\/(support\/(local-app|store|dynamo)|local\/(app|embedded-dynamodb))'|@dynamodb\b/;

/** Every `*.test.ts` under `dir`, relative to this folder, with `/` separators. */
function testFiles(dir) {
  return fs.readdirSync(path.join(__dirname, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return testFiles(relative);
    return entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

const storageTests = testFiles('test').filter((file) => STORAGE_MARKERS.test(fs.readFileSync(path.join(__dirname, file), 'utf8')));
const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What both projects share. */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // @swc/jest strips types only; `tsc --noEmit` in `npm test` does the type-checking once.
  transform: { '^.+\\.[tj]s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // middy 6 ships ESM only, so it must be transformed to CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!(@middy)/)'],
  // Keeps the handlers' JSON log lines out of the test output (TEST_LOGS=1 shows them).
  setupFiles: ['<rootDir>/test/support/quiet-output.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Many e2e tests start processes (npm, tsx, cdk, a JVM): at a load average of 25 on 2 cores (several
  // suites at once) a minute was not enough for them. A test that hangs still fails, three minutes later.
  testTimeout: 180_000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...storageTests.map((file) => `/${escapeRegExp(file)}$`)],
    },
    {
      ...common,
      displayName: 'storage',
      testMatch: storageTests.map((file) => `<rootDir>/${file}`),
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
