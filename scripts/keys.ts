/**
 * `npm run keys -- <command> [read|ingest]`: rotate API keys without downtime.
 *
 *   rotate  read|ingest   adds a new key; the old ones stay valid (both work)
 *   finish  read|ingest   removes every key but the newest (do it once every client uses the new key)
 *   show                  prints the current keys
 *
 * Locally it edits `<DATA_DIR or .data>/dev-keys.json`, which a running `npm start` re-reads, so no
 * restart is needed. For a deployed stack it prints the exact AWS CLI steps for the secret (nothing
 * is called: you run them, with your credentials). Keys given in READ_API_KEYS / INGEST_API_KEYS are
 * fixed for the life of the process; rotate those by changing the variable and restarting.
 */
import { existsSync } from 'node:fs';
import type { KeyScope } from '../lib/secrets/api-keys';
import { addDevKey, devKeysFile, localKeys, retireOldDevKeys } from '../local/dev-keys';

/** cdk/stack.ts's STACK_NAME (not imported: that would load aws-cdk-lib for a key command). */
export const DEFAULT_STACK_NAME = 'CekuraCallAdapter';

const OUTPUTS: Record<KeyScope, string> = { read: 'ReadKeysSecretName', ingest: 'IngestKeysSecretName' };
const CLIENTS: Record<KeyScope, string> = {
  read: "Cekura's dashboard (the agent's custom transcript provider API key)",
  ingest: 'every system that POSTs to /calls',
};

/** The AWS CLI steps for a deployed stack: both steps, so the whole procedure is in one place. */
export function awsRotationSteps(scope: KeyScope, stackName = DEFAULT_STACK_NAME): string {
  return [
    `# Deployed stack ${stackName}: rotate the ${scope} key without downtime.`,
    `SECRET=$(aws cloudformation describe-stacks --stack-name ${stackName} \\`,
    `  --query "Stacks[0].Outputs[?OutputKey=='${OUTPUTS[scope]}'].OutputValue" --output text)`,
    `OLD=$(aws secretsmanager get-secret-value --secret-id "$SECRET" --query SecretString --output text)`,
    `NEW=$(aws secretsmanager get-random-password --password-length 40 --exclude-punctuation --query RandomPassword --output text)`,
    `# 1. Both keys valid (every comma-separated key in the secret is accepted):`,
    `aws secretsmanager put-secret-value --secret-id "$SECRET" --secret-string "$OLD,$NEW"`,
    `# 2. Wait 5 minutes (the Lambdas re-read the secret every 5 minutes), then give $NEW to`,
    `#    ${CLIENTS[scope]}, and check its calls succeed.`,
    `# 3. Only the new key valid; requests with the old key get 401 within 5 minutes:`,
    `aws secretsmanager put-secret-value --secret-id "$SECRET" --secret-string "$NEW"`,
  ].join('\n');
}

export const KEYS_USAGE = `usage: npm run keys -- rotate read|ingest | finish read|ingest | show
  rotate read|ingest   adds a new key; the old ones stay valid (both work), locally without a restart;
                       also prints the AWS CLI steps for a deployed stack (STACK_NAME, default ${DEFAULT_STACK_NAME})
  finish read|ingest   removes every local key but the newest (once every client uses the new one)
  show                 prints the local keys (DATA_DIR, default .data/dev-keys.json)
exit code: 0 done, 2 usage error`;

/** A command line that is not one of the usage's: exit 2. */
export class KeysUsageError extends Error {
  override name = 'KeysUsageError';
}

function scopeOf(value: string | undefined): KeyScope {
  if (value === 'read' || value === 'ingest') return value;
  throw new KeysUsageError(`say which key: read or ingest (got ${value === undefined ? 'nothing' : `"${value}"`})`);
}

export function runKeys(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = console.log): void {
  const [command, scopeArg] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    print(KEYS_USAGE);
    return;
  }
  const dataDir = env.DATA_DIR || '.data';
  const fixed = (scope: KeyScope) => (env[scope === 'read' ? 'READ_API_KEYS' : 'INGEST_API_KEYS'] ?? '').trim() !== '';
  switch (command) {
    case 'rotate': {
      const scope = scopeOf(scopeArg);
      const key = addDevKey(dataDir, scope);
      print(`Local: added a new ${scope} key to ${devKeysFile(dataDir)}; the old one still works.`);
      print(`  new ${scope} key: ${key}`);
      print(`Switch your clients to it, then run: npm run keys -- finish ${scope}`);
      if (fixed(scope)) print(`Note: ${scope === 'read' ? 'READ_API_KEYS' : 'INGEST_API_KEYS'} is set, and overrides the dev keys while it is.`);
      print('');
      print(awsRotationSteps(scope, env.STACK_NAME));
      return;
    }
    case 'finish': {
      const scope = scopeOf(scopeArg);
      const removed = retireOldDevKeys(dataDir, scope);
      print(
        removed.length === 0
          ? `Local: only one ${scope} key; nothing to remove.`
          : `Local: removed ${removed.length} old ${scope} key(s); only the newest is valid now.`,
      );
      return;
    }
    case 'show': {
      if (!existsSync(devKeysFile(dataDir)) && !(fixed('read') && fixed('ingest'))) {
        print(`No dev keys yet in ${devKeysFile(dataDir)}: npm start creates them.`);
        return;
      }
      const keys = localKeys(env, dataDir);
      print(`read keys:   ${keys.read.join(', ')}`);
      print(`ingest keys: ${keys.ingest.join(', ')}`);
      return;
    }
    default:
      throw new KeysUsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
  }
}

/** The command line: exit 0 done, 1 failed, 2 usage error (with the usage). */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, print = console.log, printError = console.error): number {
  try {
    runKeys(argv, env, print);
    return 0;
  } catch (error) {
    if (error instanceof KeysUsageError) {
      printError(`${error.message}\n${KEYS_USAGE}`);
      return 2;
    }
    printError(error instanceof Error ? error.message : error);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
