import * as fs from 'node:fs';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { type BuiltApp, buildApp } from '../../cdk/app';
import { NAG_REASONS } from '../../cdk/nag';
import { OPENAPI_ROUTE_KEY, ROUTES } from '../../lib/routes';
import { NO_BUNDLING } from './synth';

interface ViolatingConstruct {
  constructPath: string;
}
interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: ViolatingConstruct[];
}
interface SuppressedViolation extends Violation {
  acknowledgedId: string;
  acknowledgedAt: string;
  reason: string;
}
interface PluginReport {
  pluginName: string;
  conclusion: string;
  violations: Violation[];
  suppressedViolations?: SuppressedViolation[];
}

/** Synthesizes like `cdk synth` does (plugins run on app.synth()) and returns CDK's validation report. */
function synthReport(app: App): PluginReport[] {
  const assembly = app.synth();
  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8'));
  return report.pluginReports;
}

describe('cdk-nag AwsSolutions', () => {
  let built: BuiltApp;
  let reports: PluginReport[];

  beforeAll(() => {
    built = buildApp(NO_BUNDLING);
    // Throws if any violation is left unacknowledged.
    reports = synthReport(built.app);
  });

  test('the AwsSolutions pack ran and passed', () => {
    const nag = reports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag).toBeDefined();
    expect(nag!.conclusion).toBe('success');
  });

  test('no plugin reports an unacknowledged error or warning', () => {
    const open = reports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName} (${v.severity})`));
    expect(open).toEqual([]);
  });

  test('every acknowledgement has a reason', () => {
    const suppressed = reports.flatMap((r) => r.suppressedViolations ?? []);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const s of suppressed) expect(s.reason.trim().length).toBeGreaterThan(40);
  });

  test('exactly the expected findings are acknowledged, each on its own resource', () => {
    const acknowledged = reports
      .flatMap((r) => r.suppressedViolations ?? [])
      .flatMap((s) => s.violatingConstructs.map((c) => `${s.ruleName} ${c.constructPath} @ ${s.acknowledgedAt}`))
      .sort();

    // Acknowledged on the L2 construct that owns the flagged resource: not on a parent, not stack-wide.
    const at = (rule: string, construct: IConstruct) => `${rule} ${construct.node.defaultChild!.node.path} @ ${construct.node.path}`;
    const { apiKeys, functions, httpApi } = built.stack;
    const expected = [
      at('AwsSolutions-SMG4', apiKeys.readKeys),
      at('AwsSolutions-SMG4', apiKeys.ingestKeys),
      at('AwsSolutions-SMG4', apiKeys.webhookSecrets),
      ...Object.values(functions.byName).map((fn) => at('AwsSolutions-L1', fn)),
      ...ROUTES.map(({ routeKey }) => at('AwsSolutions-APIG4', httpApi.routes.get(routeKey)!)),
    ].sort();
    expect(expected).toHaveLength(3 + 5 + ROUTES.length);
    expect(acknowledged).toEqual(expected);
  });

  test('the public OpenAPI route is acknowledged with its own reason', () => {
    const route = built.stack.httpApi.routes.get(OPENAPI_ROUTE_KEY)!;
    const reasons = reports
      .flatMap((r) => r.suppressedViolations ?? [])
      .filter((s) => s.acknowledgedAt === route.node.path)
      .map((s) => [s.ruleName, s.reason]);
    expect(reasons).toEqual([['AwsSolutions-APIG4', NAG_REASONS.publicDescription]]);
  });

  test('a new finding is not covered by the existing acknowledgements and fails synth', () => {
    const { app, stack } = buildApp(NO_BUNDLING);
    new secretsmanager.Secret(stack, 'Unacknowledged');
    expect(() => app.synth()).toThrow(/Unacknowledged\/Resource[\s\S]*AwsSolutions-SMG4/);
  });
});
