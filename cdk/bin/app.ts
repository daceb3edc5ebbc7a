import { buildApp } from '../app';

// aws-cdk-lib writes "Bundling asset <path>..." (and a blank line) to stderr for every function,
// unconditionally, so `cdk synth -q` was never quiet. Only those progress lines are dropped:
// esbuild's errors, and any error the app throws, still reach the terminal.
const BUNDLING_PROGRESS = /^(Bundling asset \S+\.\.\.)?\s*$/;
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  typeof chunk === 'string' && BUNDLING_PROGRESS.test(chunk) ? true : writeStderr(chunk, ...rest)) as typeof process.stderr.write;

// Context (cdk.json, `-c key=value`) reaches the app through the CLI, not through these arguments.
buildApp().app.synth();
