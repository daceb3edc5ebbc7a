/**
 * Imported first by the property and load tests: thousands of requests would otherwise print
 * thousands of info lines. Powertools reads the level once, when lib/logger.ts creates the logger,
 * and resets to it on every invocation, so it has to be set before anything imports lib/logger.
 * (Jest gives each test file its own process.env, so this does not reach other files.)
 */
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
