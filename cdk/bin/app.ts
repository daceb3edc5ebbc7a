import { buildApp } from '../app';

// Context (cdk.json, `-c key=value`) reaches the app through the CLI, not through these arguments.
buildApp().app.synth();
