/**
 * The commands of docs/amazon-connect.md that can run here: turning on the bucket's EventBridge
 * delivery without losing its other notifications (the page's block, run with bash and jq, against
 * an `aws` stand-in on PATH that answers get-bucket-notification-configuration as the CLI does and
 * records what put-bucket-notification-configuration is given), and `cdk synth` with the context key,
 * as written (plus an output folder).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const PAGE = readFileSync(join(ROOT, 'docs', 'amazon-connect.md'), 'utf8');
const bashBlocks = [...PAGE.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!);
const blockWith = (text: string) => {
  const found = bashBlocks.filter((block) => block.includes(text));
  if (found.length !== 1) throw new Error(`expected one bash block with ${text} in docs/amazon-connect.md, found ${found.length}`);
  return found[0]!;
};

/** An `aws` that prints `current` for get-bucket-notification-configuration and saves what put is given. */
const AWS_STAND_IN = `#!/usr/bin/env bash
echo "$*" >> "$STAND_IN_DIR/calls.log"
case "$2" in
  get-bucket-notification-configuration) if [ -f "$STAND_IN_DIR/current.json" ]; then cat "$STAND_IN_DIR/current.json"; fi ;;
  put-bucket-notification-configuration)
    while [ $# -gt 0 ]; do
      if [ "$1" = "--notification-configuration" ]; then cp "\${2#file://}" "$STAND_IN_DIR/put.json"; cp "\${2#file://}" "$STAND_IN_DIR/current.json"; fi
      shift
    done ;;
esac
`;

describe('docs/amazon-connect.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'connect-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function turnOnEventBridge(current: string | undefined) {
    const standIn = mkdtempSync(join(dir, 'aws-'));
    writeFileSync(join(standIn, 'aws'), AWS_STAND_IN);
    chmodSync(join(standIn, 'aws'), 0o755);
    if (current !== undefined) writeFileSync(join(standIn, 'current.json'), current);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', blockWith('put-bucket-notification-configuration')], {
      cwd: standIn,
      env: { ...process.env, PATH: `${standIn}:${process.env.PATH}`, STAND_IN_DIR: standIn },
    });
    const calls = readFileSync(join(standIn, 'calls.log'), 'utf8').trim().split('\n');
    const put = existsSync(join(standIn, 'put.json')) ? (JSON.parse(readFileSync(join(standIn, 'put.json'), 'utf8')) as unknown) : undefined;
    return { stdout, calls, put };
  }

  it("adds EventBridge delivery to the bucket's notification configuration and keeps the notifications already there", async () => {
    const existing = {
      QueueConfigurations: [{ Id: 'recordings-to-archive', QueueArn: 'arn:aws:sqs:us-east-1:123456789012:recordings-archive', Events: ['s3:ObjectCreated:*'] }],
      LambdaFunctionConfigurations: [
        { Id: 'index', LambdaFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:index-recordings', Events: ['s3:ObjectCreated:Put'] },
      ],
    };
    const { calls, put, stdout } = await turnOnEventBridge(JSON.stringify(existing, null, 4));
    expect(put).toEqual({ ...existing, EventBridgeConfiguration: {} });
    expect(calls.map((call) => call.split(' ').slice(0, 2).join(' '))).toEqual([
      's3api get-bucket-notification-configuration',
      's3api put-bucket-notification-configuration',
      's3api get-bucket-notification-configuration',
    ]);
    expect(calls.every((call) => call.includes('--bucket amazon-connect-5e9d2b7c4a01'))).toBe(true);
    // The last command shows the configuration now in place.
    expect(JSON.parse(stdout)).toEqual(put);
  });

  it('works on a bucket with no notification configuration (the CLI prints nothing)', async () => {
    const { put } = await turnOnEventBridge(undefined);
    expect(put).toEqual({ EventBridgeConfiguration: {} });
  });

  it('cdk synth with the amazonConnect context, as written, synthesizes the rule and the Lambda offline', async () => {
    const command = blockWith('cdk synth').trim();
    expect(command).toMatch(/^CDK_DISABLE_VERSION_CHECK=true npx cdk synth -q -c amazonConnect='\{.*\}'$/);
    const out = join(dir, 'cdk.out');
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', `${command} -o ${out}`], { cwd: ROOT, env, timeout: 600_000 });
    expect({ stdout, stderr: stderr.trim() }).toEqual({ stdout: '', stderr: '' });
    const template = JSON.parse(readFileSync(join(out, 'CekuraCallAdapter.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: ['amazon-connect-5e9d2b7c4a01'] }, object: { key: [{ wildcard: 'Analysis/Voice/Redacted/*_analysis_redacted_*.json' }] } },
      },
    ]);
  }, 660_000);
});
