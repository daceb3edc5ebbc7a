import { emptyMessage, nextPageUrl, readAnswer, searchPath } from '../../lib/viewer/search';

const ORIGIN = 'https://abc.execute-api.us-east-1.amazonaws.com';
const empty = { number: '', from: '', to: '', limit: '' };

describe('searchPath', () => {
  it('asks GET /calls relative to the page, leaving empty fields to the API', () => {
    expect(searchPath(empty)).toBe('calls');
    expect(searchPath({ number: ' +16505551234 ', from: '2025-01-01T10:00:00.000Z', to: '', limit: '2' })).toBe(
      'calls?number=%2B16505551234&from=2025-01-01T10%3A00%3A00.000Z&limit=2',
    );
  });
});

describe('nextPageUrl', () => {
  const answeredAt = `${ORIGIN}/calls?limit=2`;
  it('follows rel="next" on the same origin, resolved against the answer', () => {
    expect(nextPageUrl('</calls?limit=2&cursor=abc>; rel="next"', answeredAt, ORIGIN)).toBe(`${ORIGIN}/calls?limit=2&cursor=abc`);
    expect(nextPageUrl('<calls?cursor=abc>;rel=next', `${ORIGIN}/prod/calls`, ORIGIN)).toBe(`${ORIGIN}/prod/calls?cursor=abc`);
    expect(nextPageUrl('</a>; rel="prev", </calls?cursor=b>; rel="last next"', answeredAt, ORIGIN)).toBe(`${ORIGIN}/calls?cursor=b`);
  });

  it('never leaves the origin, and ignores other relations or no header', () => {
    expect(nextPageUrl('<https://evil.example/calls?cursor=abc>; rel="next"', answeredAt, ORIGIN)).toBeUndefined();
    expect(nextPageUrl('<//evil.example/calls>; rel="next"', answeredAt, ORIGIN)).toBeUndefined();
    expect(nextPageUrl('</calls?cursor=abc>; rel="nextish"', answeredAt, ORIGIN)).toBeUndefined();
    expect(nextPageUrl('</calls?cursor=abc>; rel="prev"', answeredAt, ORIGIN)).toBeUndefined();
    expect(nextPageUrl(null, answeredAt, ORIGIN)).toBeUndefined();
    expect(nextPageUrl('garbage', answeredAt, ORIGIN)).toBeUndefined();
  });
});

describe('readAnswer', () => {
  const answer = (status: number, body: unknown, contentType = 'application/json') => ({
    status,
    contentType,
    date: 'Wed, 01 Jan 2025 10:05:00 GMT',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it('gives the calls and the server clock of a bare JSON array', () => {
    expect(readAnswer(answer(200, [{ id: 'a' }]))).toEqual({ ok: true, calls: [{ id: 'a' }], serverNowMs: Date.parse('2025-01-01T10:05:00Z') });
    expect(readAnswer({ ...answer(200, []), date: null })).toEqual({ ok: true, calls: [], serverNowMs: undefined });
  });

  it('says plainly when the key is wrong or missing', () => {
    const outcome = readAnswer(answer(401, { error: { code: 'unauthorized', message: 'A valid API key is required.' } }));
    expect(outcome).toEqual({ ok: false, message: expect.stringMatching(/^The read key was refused \(401\)\. .*the ingest key does not grant reads\.$/) });
  });

  it('lists the fields a 400 names', () => {
    const body = {
      error: { code: 'invalid_request', message: 'The request is invalid.', issues: [{ path: 'number', message: 'must be an E.164 phone number' }] },
    };
    expect(readAnswer(answer(400, body))).toEqual({ ok: false, message: 'The search was refused (400): number must be an E.164 phone number.' });
  });

  it('names a busy adapter, any other status, and an answer Cekura could not read', () => {
    expect(readAnswer(answer(503, { error: { message: 'retry shortly' } }))).toEqual({
      ok: false,
      message: expect.stringContaining('(503): try again in a few seconds. The adapter said: retry shortly'),
    });
    expect(readAnswer(answer(500, 'oops', 'text/plain'))).toEqual({ ok: false, message: 'The adapter answered 500.' });
    expect(readAnswer(answer(200, { calls: [] }))).toEqual({ ok: false, message: expect.stringContaining('an envelope object (calls under "calls")') });
    expect(readAnswer(answer(200, [], 'text/plain'))).toEqual({
      ok: false,
      message: expect.stringContaining('Content-Type is "text/plain", not application/json'),
    });
  });
});

describe('emptyMessage', () => {
  it('says what was searched', () => {
    expect(emptyMessage(empty)).toMatch(/^No calls in the last 24 hours\./);
    expect(emptyMessage({ ...empty, number: '+16505551234', from: '2025-01-01T00:00:00Z' })).toMatch(/^No calls for \+16505551234 in this window\./);
  });
});
