/**
 * `npm run test:unit`: the `unit` project of jest.config.js on its own (no DynamoDB, so no Java).
 * A config of its own rather than `--selectProjects unit`, which would take the test paths given
 * after it (`npm run test:unit -- test/lib/call/phone.test.ts`) for more project names.
 */
const { projects, ...shared } = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...shared, ...projects.find((project) => project.displayName === 'unit') };
