/**
 * Third-party OpenAPI tools run on the served description, in a child process because they are
 * ESM-only and jest runs CommonJS: Spectral (`spectral:oas` recommended), Redocly (`recommended`)
 * and openapi-typescript (a generated client's types).
 *
 *   node test/support/openapi-tools.mjs <openapi.json> <out dir>
 *
 * Prints `{ spectral: [...], redocly: [...] }` (every finding) and writes `<out dir>/api.d.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import openapiTS, { astToString } from 'openapi-typescript';

const [documentPath, outDir] = process.argv.slice(2);
const text = readFileSync(documentPath, 'utf8');
const SEVERITIES = ['error', 'warn', 'info', 'hint'];

const spectral = new spectralCore.Spectral();
spectral.setRuleset({ extends: [[oas, 'recommended']] });
const spectralFindings = (await spectral.run(new spectralCore.Document(text, Parsers.Json, documentPath))).map((r) => ({
  severity: SEVERITIES[r.severity],
  rule: r.code,
  path: r.path.join('.'),
  message: r.message,
}));

const redoclyFindings = (await lintFromString({ source: text, config: await createConfig({ extends: ['recommended'] }) })).map((p) => ({
  severity: p.severity,
  rule: p.ruleId,
  path: p.location?.[0]?.pointer,
  message: p.message,
}));

writeFileSync(join(outDir, 'api.d.ts'), astToString(await openapiTS(JSON.parse(text))));
process.stdout.write(JSON.stringify({ spectral: spectralFindings, redocly: redoclyFindings }));
