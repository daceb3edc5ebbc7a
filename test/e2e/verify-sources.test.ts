/**
 * `npm run verify` passes on calls stored from every new source: Cekura's push body and each
 * self-built stack's fixtures, stored through the local server and read back as Cekura reads them.
 */
import { parseIngestBody } from '../../lib/ingest';
import type { SourceName } from '../../lib/sources';
import { verifyEndpoint } from '../../lib/verify/run';
import { pushFromReferenceAgent, pushWithEpochMillis } from '../fixtures/sources/cekura/push';
import { useLocalApp } from '../support/local-app';
import { STACKS, stackFixtures } from '../support/stack-fixtures';

/** Fixtures the source stores (the ones it refuses on purpose are tested with their source). */
const CASES: Array<[string, SourceName, unknown]> = [
  ['cekura-push: reference agent', 'cekura-push', pushFromReferenceAgent] as [string, SourceName, unknown],
  ['cekura-push: epoch milliseconds', 'cekura-push', pushWithEpochMillis] as [string, SourceName, unknown],
  ...stackFixtures(),
].filter(([, source, payload]) => parseIngestBody(payload, { source, webCallNumber: undefined }).ok);

describe('verify passes on calls stored from each new source', () => {
  const local = useLocalApp({ READ_API_KEYS: 'r', INGEST_API_KEYS: 'i', RETENTION_DAYS: '36500' });

  it('has fixtures for every stack', () => {
    for (const stack of STACKS) expect([stack, stackFixtures([stack]).length > 0]).toEqual([stack, true]);
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
