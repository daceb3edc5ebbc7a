import { App, Validations } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CekuraCallAdapterStack, STACK_NAME } from './stack';

export interface BuiltApp {
  app: App;
  stack: CekuraCallAdapterStack;
}

/**
 * The whole app, with cdk-nag. `cdk/bin/app.ts` and the tests both build it here, so the tests
 * check the wiring that gets deployed. No env: the stack is environment-agnostic, so synth needs
 * no credentials and no lookups.
 *
 * @param context extra context (tests); the CLI passes cdk.json and `-c` values by itself.
 */
export function buildApp(context: Record<string, unknown> = {}): BuiltApp {
  // The feature flags a new CDK app gets (`cdk init` writes them to cdk.json), set here so `cdk synth`
  // and the tests build the same template; cdk.json or `-c` can still override one.
  const app = new App({ context: { ...CURRENTLY_RECOMMENDED_FLAGS, ...context } });
  const stack = new CekuraCallAdapterStack(app, STACK_NAME, {
    description: 'Cekura call adapter: serves voice-agent calls to Cekura over an HTTP API',
  });
  // Any violation that is not acknowledged (see nag.ts) makes synth throw.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
