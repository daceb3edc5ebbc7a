/**
 * `npm start`: the product on this machine, no AWS account needed.
 */
// First: sets what lib/logger.ts and the AWS SDK read when they load.
import './log-defaults';
import { startLocalApp } from './app';
import { startupBanner } from './banner';
import { formatRequestLine, logFormatFromEnv } from './request-log';

async function main(): Promise<void> {
  const logFormat = logFormatFromEnv(process.env);
  const app = await startLocalApp({
    onNotice: (line) => console.log(line),
    onRequest: (entry) => console.log(formatRequestLine(entry, logFormat)),
  });
  console.log(startupBanner(app));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('Could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
