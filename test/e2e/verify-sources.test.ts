/**
 * `npm run verify` passes on calls stored from every new source: Cekura's push body and each
 * self-built stack's fixtures, stored through the local server and read back as Cekura reads them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseIngestBody } from '../../lib/ingest';
import type { SourceName } from '../../lib/sources';
import { verifyEndpoint } from '../../lib/verify/run';
import { pushFromReferenceAgent, pushWithEpochMillis } from '../fixtures/sources/cekura-push';
import { useLocalApp } from '../support/local-app';

const STACKS = ['livekit', 'openai-chat', 'openai-realtime', 'ultravox'] as const satisfies readonly SourceName[];

/** Every envelope exported by the stack's fixture modules (objects with an id and a transcript). */
function stackFixtures(stack: (typeof STACKS)[number]): Array<[string, unknown]> {
  const dir = join(__dirname, '..', 'fixtures', 'sources', 'stacks', stack);
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.ts'));
  } catch {
    return [];
  }
  return files.flatMap((file) =>
    Object.entries(require(join(dir, file)) as Record<string, unknown>)
      .filter(([, value]) => typeof value === 'object' && value !== null && 'transcript' in value && 'id' in value)
      .map(([name, value]): [string, unknown] => [`${stack}/${file}: ${name}`, value]),
  );
}

/** Fixtures the source stores (the ones it refuses on purpose are tested with their source). */
const CASES: Array<[string, SourceName, unknown]> = [
  ['cekura-push: reference agent', 'cekura-push', pushFromReferenceAgent] as [string, SourceName, unknown],
  ['cekura-push: epoch milliseconds', 'cekura-push', pushWithEpochMillis] as [string, SourceName, unknown],
  ...STACKS.flatMap((stack) => stackFixtures(stack).map(([name, envelope]): [string, SourceName, unknown] => [name, stack, envelope])),
].filter(([, source, payload]) => parseIngestBody(payload, { source, webCallNumber: undefined }).ok);

describe('verify passes on calls stored from each new source', () => {
  const local = useLocalApp({ READ_API_KEYS: 'r', INGEST_API_KEYS: 'i', RETENTION_DAYS: '36500' });

  it('has fixtures for every stack', () => {
    for (const stack of STACKS.filter((s) => s !== 'livekit')) expect([stack, stackFixtures(stack).length > 0]).toEqual([stack, true]);
  });

  it.each(CASES)('%s', async (_, source, payload) => {
    const parsed = parseIngestBody(payload, { source, webCallNumber: undefined });
    if (!parsed.ok) throw new Error('filtered out above');
    const response = await fetch(`${local.app.url}/calls?source=${source}`, {
      method: 'POST',
      headers: { authorization: 'i', 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(response.status).toBe(200);
    for (const { call } of parsed.calls) {
      const day = call.startedAt.slice(0, 10);
      const report = await verifyEndpoint({ url: `${local.app.url}/calls?from=${day}T00:00:00Z&to=${day}T23:59:59Z`, key: 'r', number: call.customer.number });
      const failed = report.checks.filter((c) => c.status === 'fail');
      expect(failed).toEqual([]);
      expect(report.checks.find((c) => c.id === 'times')?.status).toBe('pass');
    }
  });
});
