/**
 * Imported first by the log-leak test: the noisiest logging an operator can configure, DEBUG and
 * Powertools' "log the whole event", set before lib/logger.ts creates the logger (it reads both
 * once). Jest gives each test file its own process.env, so this does not reach other files.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
