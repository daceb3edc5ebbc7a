/**
 * Local mode holds ten concurrent full batches (100 calls of about 20 KB each) without a 503: the
 * local DynamoDB process is slow under that load, and a deployed-style 2 s request timeout used to
 * give up on writes it then completed, answering 503 for calls that were stored.
 */
import './quiet-logs';
import { longTranscript, sampleCall } from '../support/fixtures';
import { useLocalApp } from '../support/local-app';

describe('ten concurrent full batches on the local server', () => {
  const local = useLocalApp({ READ_API_KEYS: 'r', INGEST_API_KEYS: 'i', RETENTION_DAYS: '36500' });

  it('answers 200 to every one, and every call is stored', async () => {
    const messages = longTranscript(20_000);
    const requests = Array.from({ length: 10 }, (_, r) =>
      Array.from({ length: 100 }, (_, i) => sampleCall({ id: `batch${r}-call${i}`, messages }, '2025-01-01T10:00:00.000Z')),
    );
    const statuses = await Promise.all(
      requests.map(async (calls) => {
        const response = await fetch(`${local.app.url}/calls`, {
          method: 'POST',
          headers: { authorization: 'i', 'content-type': 'application/json' },
          body: JSON.stringify(calls),
        });
        return response.status;
      }),
    );
    expect(statuses).toEqual(Array(10).fill(200));
    const ids = new Set<string>();
    for (let url: string | undefined = `${local.app.url}/calls/+16505551234?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&limit=1000`; url; ) {
      const response = await fetch(url, { headers: { authorization: 'r' } });
      for (const call of (await response.json()) as Array<{ id: string }>) ids.add(call.id);
      const next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      url = next ? `${local.app.url}${next}` : undefined;
    }
    expect(ids.size).toBe(1000);
  });
});
