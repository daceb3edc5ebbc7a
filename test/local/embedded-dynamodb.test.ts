import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { BACKEND_ENV_VAR, detectJava, type EmbeddedDynamo, findFreePort, parseJavaMajor, startEmbeddedDynamo } from '../../local/embedded-dynamodb';
import { TEST_CREDENTIALS, testClient, uniqueTableName } from '../support/dynamo';

// JVM starts in this file: 5 (DynamoDB Local with dataDir, a restart on the same dataDir, one in a child
// process that gets SIGKILLed, and two for the interfaces it listens on). The in-memory DynamoDB Local of
// test/support/global-setup.ts is covered through testClient().

const posixOnly = process.platform === 'win32' ? it.skip : it;

function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: TEST_CREDENTIALS });
}

/** Runs `fn` with some env vars replaced (undefined = unset), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const tmpDirs: string[] = [];
function tmpDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `edd-${name}-`));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes an executable fake `<home>/bin/java`; `-version` reports `version`, other runs execute `body`. */
function fakeJavaHome(version: string, body: string): string {
  const home = tmpDir('fakejava');
  fs.mkdirSync(path.join(home, 'bin'));
  const script = ['#!/bin/sh', `if [ "$1" = "-version" ]; then echo 'openjdk version "${version}" 2099-01-01' >&2; exit 0; fi`, body, ''].join('\n');
  fs.writeFileSync(path.join(home, 'bin', 'java'), script, { mode: 0o755 });
  return home;
}

function refusesConnections(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Command lines of running processes containing `needle` (Linux/macOS `ps`). */
function processesMatching(needle: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'));
}

async function waitActive(client: DynamoDBClient, TableName: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${TableName} did not become ACTIVE`);
}

const TABLE = 'calls';

/** CreateTable (with a GSI), PutItem, GetItem and a Query on the GSI. */
async function exerciseCrud(endpoint: string): Promise<void> {
  const client = clientFor(endpoint);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'phone', AttributeType: 'S' },
          { AttributeName: 'startedAt', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byPhone',
            KeySchema: [
              { AttributeName: 'phone', KeyType: 'HASH' },
              { AttributeName: 'startedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    await waitActive(client, TABLE);
    const items = [
      { pk: 'call#1', sk: 'meta', phone: '+15550001', startedAt: '2024-01-01T00:00:00Z' },
      { pk: 'call#2', sk: 'meta', phone: '+15550001', startedAt: '2024-01-02T00:00:00Z' },
      { pk: 'call#3', sk: 'meta', phone: '+15550002', startedAt: '2024-01-03T00:00:00Z' },
    ];
    for (const it of items) {
      await client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: it.pk }, sk: { S: it.sk }, phone: { S: it.phone }, startedAt: { S: it.startedAt } },
        }),
      );
    }
    const got = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'call#2' }, sk: { S: 'meta' } } }));
    expect(got.Item?.phone?.S).toBe('+15550001');

    const q = await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byPhone',
        KeyConditionExpression: 'phone = :p AND startedAt >= :from',
        ExpressionAttributeValues: { ':p': { S: '+15550001' }, ':from': { S: '2024-01-01T12:00:00Z' } },
      }),
    );
    expect(q.Items?.map((i) => i.pk?.S)).toEqual(['call#2']);

    const all = await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byPhone',
        KeyConditionExpression: 'phone = :p',
        ExpressionAttributeValues: { ':p': { S: '+15550001' } },
        ScanIndexForward: false,
      }),
    );
    expect(all.Items?.map((i) => i.pk?.S)).toEqual(['call#2', 'call#1']);
  } finally {
    client.destroy();
  }
}

/** After a restart on the same dataDir, the table and an item written before are still there. */
async function expectPersisted(endpoint: string): Promise<void> {
  const client = clientFor(endpoint);
  try {
    const tables = await client.send(new ListTablesCommand({}));
    expect(tables.TableNames).toContain(TABLE);
    const got = await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'call#3' }, sk: { S: 'meta' } } }));
    expect(got.Item?.phone?.S).toBe('+15550002');
    const q = await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byPhone',
        KeyConditionExpression: 'phone = :p',
        ExpressionAttributeValues: { ':p': { S: '+15550001' } },
      }),
    );
    expect(q.Items).toHaveLength(2);
  } finally {
    client.destroy();
  }
}

/** Expects the start to fail; stops the server if it unexpectedly started (so nothing leaks). */
async function expectStartRejects(opts: Parameters<typeof startEmbeddedDynamo>[0], pattern: RegExp): Promise<void> {
  const outcome = await startEmbeddedDynamo(opts).then(
    (db): { db: EmbeddedDynamo } => ({ db }),
    (err: unknown): { err: unknown } => ({ err }),
  );
  if ('db' in outcome) {
    await outcome.db.stop();
    throw new Error(`expected the start to fail, but ${outcome.db.backend} started at ${outcome.db.endpoint}`);
  }
  expect(outcome.err).toBeInstanceOf(Error);
  expect((outcome.err as Error).message).toMatch(pattern);
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const started: EmbeddedDynamo[] = [];
async function start(...args: Parameters<typeof startEmbeddedDynamo>): Promise<EmbeddedDynamo> {
  const db = await startEmbeddedDynamo(...args);
  started.push(db);
  return db;
}
afterAll(async () => {
  await Promise.all(started.map((db) => db.stop()));
});

describe('detectJava', () => {
  it('finds Java 17+ on this machine', () => {
    const java = detectJava();
    expect(java).toBeDefined();
    expect(java!.major).toBeGreaterThanOrEqual(17);
  });

  it('parses `java -version` output', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment')).toBe(17);
    expect(parseJavaMajor('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_292"')).toBe(8);
    expect(parseJavaMajor('openjdk version "11.0.2-ea" 2019-01-15')).toBe(11);
    expect(parseJavaMajor('no java here')).toBeUndefined();
  });

  posixOnly('honours JAVA_HOME and ignores a Java older than 17', async () => {
    const java17 = fakeJavaHome('17.0.99', 'exit 1');
    await withEnv({ JAVA_HOME: java17 }, () => {
      expect(detectJava()).toEqual({ command: path.join(java17, 'bin', 'java'), major: 17 });
    });
    const java11 = fakeJavaHome('11.0.2', 'exit 1');
    await withEnv({ JAVA_HOME: java11, PATH: tmpDir('emptypath') }, () => {
      expect(detectJava()).toBeUndefined();
    });
  });
});

describe('DynamoDB Local backend', () => {
  it('auto picks DynamoDB Local when Java is present; CRUD + GSI query; stops cleanly; dataDir survives a restart', async () => {
    const dataDir = path.join(tmpDir('ddblocal'), 'nested', 'data'); // created by the launcher
    const notices: string[] = [];
    const db = await withEnv({ [BACKEND_ENV_VAR]: undefined }, () => start({ dataDir, onNotice: (l) => notices.push(l) }));
    expect(db.backend).toBe('dynamodb-local');
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(notices).toEqual([]);
    const port = new URL(db.endpoint).port;
    expect(processesMatching(`-port ${port} -sharedDb`).length).toBeGreaterThan(0);

    await exerciseCrud(db.endpoint);
    expect(fs.existsSync(path.join(dataDir, 'shared-local-instance.db'))).toBe(true);

    await db.stop();
    await db.stop(); // idempotent
    expect(await refusesConnections(db.endpoint)).toBe(true);
    expect(processesMatching(`-port ${port} -sharedDb`)).toEqual([]);

    // Restart on the same dataDir (explicit backend and port): the data is still there.
    const port2 = await findFreePort();
    const again = await start({ backend: 'dynamodb-local', dataDir, port: port2 });
    expect(again.endpoint).toBe(`http://127.0.0.1:${port2}`);
    await expectPersisted(again.endpoint);
    await again.stop();
    expect(await refusesConnections(again.endpoint)).toBe(true);
    expect(processesMatching(`-port ${port2} -sharedDb`)).toEqual([]);
    // Two JVM starts: well over a minute when the machine's 2 cores are busy with other test runs.
  }, 240_000);

  it('the DynamoDB Local of globalSetup answers through testClient()', async () => {
    expect(process.env.DYNAMODB_ENDPOINT).toMatch(/^http:\/\//);
    const client = testClient();
    const TableName = uniqueTableName('embedded test');
    expect(TableName).toMatch(/^embedded-test-\d+-\d+-[0-9a-f]{8}$/);
    expect(uniqueTableName('embedded test')).not.toBe(TableName);
    try {
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      // -sharedDb: another region and other credentials see the same tables.
      const other = new DynamoDBClient({
        endpoint: process.env.DYNAMODB_ENDPOINT,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'other', secretAccessKey: 'other' },
      });
      const tables = await other.send(new ListTablesCommand({}));
      other.destroy();
      expect(tables.TableNames).toContain(TableName);
    } finally {
      client.destroy();
    }
  });

  it('rejects an explicit dynamodb-local backend without Java 17+', async () => {
    await withEnv({ JAVA_HOME: undefined, PATH: tmpDir('emptypath') }, async () => {
      await expectStartRejects({ backend: 'dynamodb-local' }, /needs Java 17\+/);
    });
  });

  posixOnly('reports the output tail when the process exits during startup', async () => {
    const home = fakeJavaHome('17.0.99', 'echo "fake-java: boom on $*" >&2\nexit 3');
    await withEnv({ JAVA_HOME: home }, async () => {
      await expectStartRejects(
        { backend: 'dynamodb-local', port: await findFreePort() },
        /exited during startup \(code 3\)[\s\S]*fake-java: boom on .*DynamoDBLocal\.jar -port \d+ -sharedDb -disableTelemetry -inMemory/,
      );
    });
  });

  posixOnly('times out with the output tail and kills the whole process group', async () => {
    const marker = `edd-hang-${process.pid}-${Date.now()}`;
    // A `java` wrapper that never listens and leaves a grandchild process behind.
    const home = fakeJavaHome('17.0.99', `echo "fake-java: hanging" >&2\nsh -c 'while :; do sleep 1; done' ${marker} &\nwait`);
    await withEnv({ JAVA_HOME: home }, async () => {
      const t0 = Date.now();
      await expectStartRejects({ backend: 'dynamodb-local', startTimeoutMs: 1_000 }, /timed out after 1000 ms[\s\S]*fake-java: hanging/);
      expect(Date.now() - t0).toBeLessThan(8_000);
    });
    expect(processesMatching(marker)).toEqual([]);
  });
});

describe('DynamoDB Local orphan protection', () => {
  posixOnly(
    'the JVM dies when its Node parent is SIGKILLed',
    async () => {
      const fixture = path.join(__dirname, 'fixtures', 'hold-dynamo.ts');
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, 'dynamodb-local'], {
        cwd: path.join(__dirname, '..', '..'),
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise((r) => child.once('exit', r));
      try {
        await waitFor(`READY from the fixture (output so far: ${out})`, () => /READY http:\/\/127\.0\.0\.1:\d+/.test(out), 150_000);
      } catch (err) {
        child.kill('SIGKILL');
        throw err;
      }
      const port = /READY http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]!;
      // The JVM's command line, through the loopback launcher or the jar alike.
      const needle = `-port ${port} -sharedDb`;
      try {
        expect(processesMatching(needle).length).toBeGreaterThan(0);
      } finally {
        child.kill('SIGKILL'); // no 'exit' handler can run: only the watchdog can clean up
      }
      await exited;
      await waitFor(`the JVM on port ${port} to go away`, () => processesMatching(needle).length === 0, 30_000);
      expect(await refusesConnections(`http://127.0.0.1:${port}`)).toBe(true);
    },
    240_000,
  );
});

describe('dynalite backend', () => {
  it('starts in memory; CRUD + GSI query; stops cleanly', async () => {
    const db = await start({ backend: 'dynalite' });
    expect(db.backend).toBe('dynalite');
    expect(db.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await exerciseCrud(db.endpoint);
    await db.stop();
    expect(await refusesConnections(db.endpoint)).toBe(true);
  });

  it('keeps the data in <dataDir>/dynalite across a restart', async () => {
    const dataDir = tmpDir('dynalite');
    const first = await start({ backend: 'dynalite', dataDir });
    await exerciseCrud(first.endpoint);
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'dynalite', 'CURRENT'))).toBe(true);

    const second = await start({ backend: 'dynalite', dataDir });
    await expectPersisted(second.endpoint);
    // A second server on the same dataDir fails cleanly (dynalite alone would crash the process later).
    await expectStartRejects({ backend: 'dynalite', dataDir }, /cannot open its data directory .*LOCK/);
    await second.stop();
  });

  it('auto falls back to dynalite without Java 17+, with exactly one notice', async () => {
    const notices: string[] = [];
    const emptyDir = tmpDir('nojava');
    const db = await withEnv({ JAVA_HOME: emptyDir, PATH: emptyDir, [BACKEND_ENV_VAR]: undefined }, () =>
      start({ backend: 'auto', onNotice: (l) => notices.push(l) }),
    );
    expect(db.backend).toBe('dynalite');
    expect(notices).toEqual(['Java 17+ not found: using dynalite (in-process, pure JS) instead of DynamoDB Local.']);
    await exerciseCrud(db.endpoint);
    await db.stop();
  });

  it(`${BACKEND_ENV_VAR}=dynalite forces the fallback for auto (not for an explicit backend)`, async () => {
    const notices: string[] = [];
    const db = await withEnv({ [BACKEND_ENV_VAR]: 'dynalite' }, () => start({ onNotice: (l) => notices.push(l) }));
    expect(db.backend).toBe('dynalite');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/dynalite/);
    await db.stop();

    await withEnv({ [BACKEND_ENV_VAR]: 'dynamodb-local', JAVA_HOME: undefined, PATH: tmpDir('emptypath') }, async () => {
      await expectStartRejects({}, /needs Java 17\+/); // env forces DynamoDB Local
      const explicit = await start({ backend: 'dynalite' }); // explicit backend wins over the env var
      expect(explicit.backend).toBe('dynalite');
      await explicit.stop();
    });

    await withEnv({ [BACKEND_ENV_VAR]: 'mongodb' }, async () => {
      await expectStartRejects({}, /LOCAL_DYNAMODB_BACKEND=mongodb is not valid/);
    });
  });

  it('listens on the requested port', async () => {
    const port = await findFreePort();
    const db = await start({ backend: 'dynalite', port });
    expect(db.endpoint).toBe(`http://127.0.0.1:${port}`);
    await db.stop();
  });
});

/** An IPv4 address of this machine other than loopback, if it has one. */
function otherAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
}

/** Whether a TCP connection to host:port is accepted (`connected`) or refused (`refused`). */
function connectOutcome(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve('timed out');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message)));
  });
}

describe('the interfaces the embedded DynamoDB listens on', () => {
  const address = otherAddress();
  // Without another address there is nothing to be unreachable from.
  const withOtherAddress = address === undefined ? it.skip : it;

  withOtherAddress(`the probe tells: a server on every interface is reachable on ${address}`, async () => {
    const open = net.createServer();
    await new Promise<void>((resolve) => open.listen(0, '0.0.0.0', resolve));
    try {
      expect(await connectOutcome(address!, (open.address() as net.AddressInfo).port)).toBe('connected');
    } finally {
      await new Promise((resolve) => open.close(resolve));
    }
  });

  withOtherAddress(`DynamoDB Local and dynalite answer on 127.0.0.1 only, not on ${address}`, async () => {
    for (const backend of ['dynamodb-local', 'dynalite'] as const) {
      const notices: string[] = [];
      const db = await start({ backend, onNotice: (line) => notices.push(line) });
      const port = Number(new URL(db.endpoint).port);
      expect([backend, await connectOutcome('127.0.0.1', port), await connectOutcome(address!, port), notices]).toEqual([backend, 'connected', 'refused', []]);
      await db.stop();
    }
  });

  posixOnly('a Java that cannot compile the loopback launcher runs DynamoDB Local as it is, and says so in one notice', async () => {
    const realJava = detectJava()!.command;
    // Like a jlinked JRE: no jdk.compiler module; everything else is the real Java.
    const home = fakeJavaHome(
      '17.0.99',
      [
        'case "$*" in *jdk.compiler*)',
        '  echo "Error occurred during initialization of boot layer" >&2',
        '  echo "java.lang.module.FindException: Module jdk.compiler not found" >&2',
        '  exit 1;;',
        'esac',
        `exec ${realJava} "$@"`,
      ].join('\n'),
    );
    const notices: string[] = [];
    const db = await withEnv({ JAVA_HOME: home }, () => start({ backend: 'dynamodb-local', onNotice: (line) => notices.push(line) }));
    try {
      expect(notices).toEqual([
        expect.stringMatching(/^DynamoDB Local listens on every network interface, not only 127\.0\.0\.1: .*Module jdk\.compiler not found/),
      ]);
      const port = Number(new URL(db.endpoint).port);
      expect(await connectOutcome('127.0.0.1', port)).toBe('connected');
      if (address !== undefined) expect(await connectOutcome(address, port)).toBe('connected');
    } finally {
      await db.stop();
    }
  });
});
