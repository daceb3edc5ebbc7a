/**
 * Issue 22, item 1: bodies holding very long lists (a few MB of JSON) get a 2xx or a JSON 4xx, never
 * a 500. A spread of such a list into a call (`Math.max(...list)`, `issues.push(...list)`) threw
 * "RangeError: Maximum call stack size exceeded" past ~100,000 elements; the lint now refuses
 * spreads into calls in product code (test/lint/no-spread-into-call.test.ts).
 */
import './quiet-logs';
import { createIngestHandler } from '../../functions/ingest-calls';
import { keyCheck } from '../../lib/auth';
import { httpEvent, invoke } from '../support/events';
import { sampleCall } from '../support/fixtures';
import { freshStore } from '../support/store';

const INGEST_KEY = 'long-lists-ingest-key';

async function ingest() {
  const { store } = await freshStore();
  const handler = createIngestHandler({ store, keys: async () => keyCheck([INGEST_KEY]), retentionDays: 90, maxBodyBytes: 5 * 1024 * 1024 });
  return (body: unknown, query?: Record<string, string>) =>
    invoke(
      handler,
      httpEvent({
        routeKey: 'POST /calls',
        query,
        headers: { authorization: INGEST_KEY, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
}

const startedAt = () => new Date(Date.now() - 3_600_000).toISOString();

/** A 2xx, or a 4xx in the JSON error shape: never a 5xx. */
function expectAnswered(result: { status: number | undefined; body: unknown }) {
  expect(result.status).toBeLessThan(500);
  if ((result.status ?? 500) >= 400) expect(result.body).toMatchObject({ error: { code: expect.any(String) } });
}

describe('bodies with very long lists (issue 22)', () => {
  it('answers an Observe-format call of 200,000 messages with a JSON 4xx (Math.max over its message ends was a 500)', async () => {
    const post = await ingest();
    // 4.4 MB: under the 5 MiB body limit.
    const transcript = Array.from({ length: 200_000 }, () => ({ role: 'Main Agent' }));
    const result = await post({ call_id: 'observe-200k', timestamp: startedAt(), customer_number: '+16505551234', transcript_json: transcript });
    expectAnswered(result);
    // Read, then refused by name: 200,000 stored messages would not fit in one GET /calls answer.
    expect(result).toMatchObject({ status: 413, body: { error: { issues: [{ path: 'id=observe-200k' }] } } });
  });

  it('answers 150,000 OpenAI chat messages with a 2xx or a JSON 4xx', async () => {
    const post = await ingest();
    const transcript = Array.from({ length: 150_000 }, (_, i) => ({ role: i % 2 ? 'user' : 'assistant', content: '' }));
    const result = await post({ id: 'chat-150k', startedAt: startedAt(), customer: { number: '+16505551234' }, transcript }, { source: 'openai-chat' });
    expectAnswered(result);
    // Each message is empty: read as nothing, which the stack envelope refuses by name.
    expect(result).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'transcript' }] } } });
    const spoken = Array.from({ length: 150_000 }, (_, i) => ({ role: i % 2 ? 'user' : 'assistant', content: 'ok', start_time: i / 100 }));
    expectAnswered(await post({ id: 'chat-150k', startedAt: startedAt(), customer: { number: '+16505551234' }, transcript: spoken }));
  });

  it('lists every problem of 150,000 invalid messages in a 400 (pushing them with a spread was a 500)', async () => {
    const post = await ingest();
    const call = sampleCall({ id: 'bad-150k', messages: Array.from({ length: 150_000 }, () => ({ role: 'nobody' })) as never }, startedAt());
    const result = await post(call);
    expectAnswered(result);
    expect(result.status).toBe(400);
    const issues = (result.body as { error: { issues: Array<{ path: string }> } }).error.issues;
    expect(issues).toHaveLength(150_000);
    expect(issues[149_999]).toMatchObject({ path: 'messages[149999].role' });
  }, 180_000);
});
