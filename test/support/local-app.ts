import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestLogEntry } from '../../local/api-gateway';
import { type LocalApp, startLocalApp } from '../../local/app';
import type { DynamoBackend } from '../../local/embedded-dynamodb';
import { uniqueTableName } from './dynamo';

export interface LocalAppFixture {
  readonly app: LocalApp;
  /** A fresh folder for this block's data and files, removed afterwards. */
  readonly dataDir: string;
}

/**
 * The local server for one describe block: a fresh table on the run's DynamoDB Local (or, with
 * `backend`, its own embedded DynamoDB when `DYNAMODB_ENDPOINT: undefined` is passed), on a free port.
 */
export function useLocalApp(
  env: Record<string, string | undefined> = {},
  options: { backend?: DynamoBackend; onRequest?: (entry: RequestLogEntry) => void } = {},
): LocalAppFixture {
  let app: LocalApp | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'adapter-e2e-'));
    app = await startLocalApp({
      port: 0,
      dataDir,
      inMemory: true,
      backend: options.backend,
      onRequest: options.onRequest,
      env: { DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT, TABLE_NAME: uniqueTableName('e2e'), ...env },
    });
  });
  afterAll(async () => {
    await app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get app() {
      if (!app) throw new Error('the local app is not started yet (use it inside a test)');
      return app;
    },
    get dataDir() {
      if (!dataDir) throw new Error('no data folder yet (use it inside a test)');
      return dataDir;
    },
  };
}
