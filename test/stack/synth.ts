import { Template } from 'aws-cdk-lib/assertions';
import { type BuiltApp, buildApp } from '../../cdk/app';

/** Skips esbuild: these tests check the template, not the bundles (`cdk synth` bundles). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

export interface Synthesized extends BuiltApp {
  template: Template;
}

/** The app exactly as `cdk/bin/app.ts` builds it (cdk-nag included), plus test context. */
export function synth(context: Record<string, unknown> = {}): Synthesized {
  const built = buildApp({ ...NO_BUNDLING, ...context });
  return { ...built, template: Template.fromStack(built.stack) };
}
