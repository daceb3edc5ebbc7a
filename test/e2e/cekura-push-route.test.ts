/**
 * Code written for Cekura's push webhook works against the adapter by changing only its base URL:
 * the same path (with or without the trailing slash), the same header, the same body.
 */
import { CEKURA_PUSH_PATH } from '../../lib/routes';
import { pushFromReferenceAgent, pushWithEpochMillis } from '../fixtures/sources/cekura/push';
import { useLocalApp } from '../support/local-app';

const WINDOW = 'from=2025-06-01T00:00:00Z&to=2025-06-03T00:00:00Z';

describe("Cekura's push webhook path on the local server", () => {
  const local = useLocalApp({ READ_API_KEYS: 'read-key', INGEST_API_KEYS: 'ingest-key', RETENTION_DAYS: '36500' });

  /** What Cekura's reference agent does: POST, JSON, X-CEKURA-API-KEY. */
  const push = async (path: string, body: unknown, headers: Record<string, string> = { 'X-CEKURA-API-KEY': 'ingest-key' }) => {
    const response = await fetch(`${local.app.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const read = async (number: string) => {
    const response = await fetch(`${local.app.url}/calls?number=${encodeURIComponent(number)}&${WINDOW}`, { headers: { authorization: 'read-key' } });
    return (await response.json()) as Array<Record<string, unknown>>;
  };

  it('stores the body sent with X-CEKURA-API-KEY, with and without the trailing slash, and serves agent_id and run_id', async () => {
    expect(await push(CEKURA_PUSH_PATH, pushFromReferenceAgent)).toEqual({ status: 200, body: { stored: 1, ids: ['sess-42'] } });
    expect(await push(`${CEKURA_PUSH_PATH}/`, pushWithEpochMillis)).toEqual({ status: 200, body: { stored: 1, ids: ['sess-43'] } });
    const calls = await read('+16505551234');
    expect(calls.map((c) => c.id)).toEqual(['sess-43', 'sess-42']);
    expect(calls[1]).toMatchObject({ agent_id: 4321, run_id: 98765, endedReason: 'customer-ended-call', metadata: { scenario: 'late order' } });
    expect(calls[0]).toMatchObject({ agent_id: 4321, phoneNumber: '+14155550100' });
    expect((calls[0]!.messages as Array<{ start_time: number }>).map((m) => m.start_time)).toEqual([0.5, 2]);
  });

  it('takes the same body on POST /calls, detected and as ?source=cekura-push, with the key in Authorization too', async () => {
    const body = { ...pushFromReferenceAgent, calls: [{ ...pushFromReferenceAgent.calls[0]!, id: 'sess-44' }] };
    expect(await push('/calls', body)).toEqual({ status: 200, body: { stored: 1, ids: ['sess-44'] } });
    expect(await push('/calls?source=cekura-push', body, { Authorization: 'Bearer ingest-key' })).toEqual({
      status: 200,
      body: { stored: 1, ids: ['sess-44'] },
    });
    expect((await read('+16505551234')).filter((c) => c.id === 'sess-44')).toHaveLength(1);
  });

  it('never stores with a read key or a wrong key, in either header', async () => {
    const body = { ...pushFromReferenceAgent, calls: [{ ...pushFromReferenceAgent.calls[0]!, id: 'sess-refused' }] };
    const attempts: Array<Record<string, string>> = [{ 'X-CEKURA-API-KEY': 'read-key' }, { 'X-CEKURA-API-KEY': 'nope' }, { Authorization: 'read-key' }, {}];
    for (const headers of attempts) {
      expect((await push(CEKURA_PUSH_PATH, body, headers)).status).toBe(401);
    }
    expect((await read('+16505551234')).map((c) => c.id)).not.toContain('sess-refused');
  });

  it('answers a Cekura-shaped 400 naming the field, and 405 for another method', async () => {
    const [call] = pushFromReferenceAgent.calls;
    const { from_phone_number: _, ...noNumber } = call!;
    const refused = await push(CEKURA_PUSH_PATH, { agent_id: 4321, calls: [{ ...noNumber, id: 'sess-no-number' }] });
    expect(refused).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'calls[0].from_phone_number' }] } } });
    const get = await fetch(`${local.app.url}${CEKURA_PUSH_PATH}`, { headers: { 'X-CEKURA-API-KEY': 'ingest-key' } });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });
});
