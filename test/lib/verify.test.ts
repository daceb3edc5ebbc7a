/** The checks of `npm run verify`, on plain data. */
import {
  checkAuth,
  checkCallSchema,
  checkClock,
  checkNumber,
  checkReachable,
  checkResponseShape,
  checkTimes,
  checkTransport,
  type Observed,
} from '../../lib/verify/checks';
import { formatReport } from '../../lib/verify/run';
import { sampleCall } from '../support/fixtures';

const observed = (overrides: Partial<Observed> = {}): Observed => ({
  status: 200,
  contentType: 'application/json',
  body: '[]',
  date: undefined,
  elapsedMs: 40,
  ...overrides,
});
type Served = ReturnType<typeof sampleCall> & { messages: Array<{ start_time: number; end_time: number }> } & Record<string, unknown>;
const served = () => JSON.parse(JSON.stringify(sampleCall())) as Served;

describe('checkTransport', () => {
  it.each([
    ['https://abc.execute-api.us-east-1.amazonaws.com/calls', 'pass'],
    ['http://localhost:3000/calls', 'warn'],
    ['http://127.0.0.1:3000/calls', 'warn'],
    ['http://api.example.com/calls', 'fail'],
    ['not a url', 'fail'],
  ])('%s: %s', (url, status) => expect(checkTransport(url).status).toBe(status));
});

describe('checkReachable', () => {
  it('passes fast answers, warns slow ones, fails very slow or missing ones', () => {
    expect(checkReachable(observed({ elapsedMs: 200 })).status).toBe('pass');
    expect(checkReachable(observed({ elapsedMs: 5_000 })).status).toBe('warn');
    expect(checkReachable(observed({ elapsedMs: 12_000 })).status).toBe('fail');
    expect(checkReachable(undefined, 'ECONNREFUSED')).toMatchObject({ status: 'fail', details: ['no answer: ECONNREFUSED'] });
  });
});

describe('checkAuth', () => {
  it('passes when raw and Bearer work and wrong or missing keys are refused', () => {
    expect(checkAuth({ raw: 200, bearer: 200, wrong: 401, missing: 403 }).status).toBe('pass');
  });
  it('names each problem', () => {
    const result = checkAuth({ raw: 401, bearer: 200, wrong: 200, missing: 500 });
    expect(result.status).toBe('fail');
    expect(result.details).toEqual([
      expect.stringContaining('raw'),
      expect.stringContaining('a wrong key was served (200)'),
      expect.stringContaining('without a key got 500'),
    ]);
    expect(checkAuth({ raw: 200, bearer: 401, wrong: 401, missing: 401 }).details).toEqual([expect.stringContaining('Bearer')]);
  });
});

describe('checkResponseShape', () => {
  it('passes a bare JSON array and returns it', () => {
    expect(checkResponseShape(observed({ body: '[{"id":"x"}]', contentType: 'application/json; charset=utf-8' }))).toMatchObject({
      status: 'pass',
      calls: [{ id: 'x' }],
    });
  });
  it('names an envelope object, with the key holding the calls', () => {
    const result = checkResponseShape(observed({ body: '{"calls":[],"next":null}' }));
    expect(result).toMatchObject({ status: 'fail', details: [expect.stringMatching(/envelope object \(calls under "calls"\)/)] });
    expect(result.calls).toBeUndefined();
  });
  it('names a wrong status, content type or body', () => {
    expect(checkResponseShape(observed({ contentType: 'text/plain' })).details).toEqual([expect.stringContaining('"text/plain", not application/json')]);
    expect(checkResponseShape(observed({ contentType: undefined })).details).toEqual([expect.stringContaining('missing')]);
    expect(checkResponseShape(observed({ status: 404, body: '{"error":{}}' })).details).toEqual([
      expect.stringContaining('status 404'),
      expect.stringContaining('an object'),
    ]);
    expect(checkResponseShape(observed({ body: '<html>' })).details).toEqual([expect.stringContaining('not JSON')]);
    expect(checkResponseShape(observed({ body: 'null' })).details).toEqual([expect.stringContaining('null')]);
  });
});

describe('checkCallSchema', () => {
  it('passes valid calls', () => expect(checkCallSchema([served(), served()]).status).toBe('pass'));
  it('gives the JSON path of each error', () => {
    const bad = served();
    bad.messages[0] = { role: 'agent', content: 'x', start_time: 0, end_time: 1 } as never;
    delete (bad as Partial<typeof bad>).customer;
    const result = checkCallSchema([served(), bad]);
    expect(result.status).toBe('fail');
    expect(result.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^call "call-1": \[1\]\.customer: /),
        expect.stringMatching(/^call "call-1": \[1\]\.messages\[0\]\.role: /),
      ]),
    );
  });
});

describe('checkNumber', () => {
  it('passes when calls carry exactly the number', () => expect(checkNumber([served()], '+16505551234').status).toBe('pass'));
  it('fails when no call has the number', () => {
    expect(checkNumber([served()], '+14155550000')).toMatchObject({ status: 'fail', details: [expect.stringContaining('none of the 1 call(s)')] });
    expect(checkNumber([], '+14155550000').status).toBe('fail');
  });
  it('names a call whose number is the same digits written otherwise', () => {
    const call = { ...served(), customer: { number: '16505551234' } };
    expect(checkNumber([call], '+16505551234')).toMatchObject({
      status: 'fail',
      details: ['call "call-1": [0].customer.number is "16505551234": Cekura matches "+16505551234" exactly'],
    });
  });
});

describe('checkTimes', () => {
  const serverNow = Date.parse('2025-01-01T12:00:00Z');
  it('passes consistent calls', () => expect(checkTimes([served()], serverNow).status).toBe('pass'));
  it('flags message times that are epoch milliseconds or seconds', () => {
    const call = served();
    const start = Date.parse(call.startedAt);
    call.messages = call.messages.map((m) => ({ ...m, start_time: start + m.start_time * 1000, end_time: start + m.end_time * 1000 }));
    expect(checkTimes([call], serverNow)).toMatchObject({
      status: 'fail',
      details: [expect.stringContaining('[0].messages[0].start_time is 1735725601500: looks like epoch milliseconds')],
    });
    const seconds = served();
    seconds.messages[1]!.end_time = start / 1000 + 5;
    expect(checkTimes([seconds], serverNow).details).toEqual([expect.stringContaining('[0].messages[1].end_time is 1735725605: looks like epoch seconds')]);
  });
  it('fails timestamps that are not ISO 8601, or endedAt before startedAt', () => {
    const epoch = { ...served(), startedAt: 1735725600000 };
    expect(checkTimes([epoch], serverNow).details).toEqual([
      expect.stringContaining('[0].startedAt: 1735725600000 is not an ISO 8601 timestamp with a zone (looks like epoch milliseconds)'),
    ]);
    const local = { ...served(), endedAt: '2025-01-01 10:01:00' };
    expect(checkTimes([local], serverNow).details).toEqual([expect.stringContaining('[0].endedAt: "2025-01-01 10:01:00" is not an ISO 8601')]);
    const backwards = { ...served(), endedAt: '2025-01-01T09:00:00Z' };
    expect(checkTimes([backwards], serverNow)).toMatchObject({ status: 'fail', details: ['call "call-1": [0].endedAt is before startedAt'] });
  });
  it('warns on messages past the call, out of order, or calls in the future', () => {
    const late = served();
    late.messages[3]!.end_time = 90;
    expect(checkTimes([late], serverNow)).toMatchObject({
      status: 'warn',
      details: ['call "call-1": [0].messages[3].end_time is 90 s, after the call\'s 60 s duration'],
    });
    const unordered = served();
    unordered.messages.reverse();
    expect(checkTimes([unordered], serverNow)).toMatchObject({ status: 'warn', details: [expect.stringContaining('[0].messages[1] starts before')] });
    expect(checkTimes([served()], Date.parse('2025-01-01T07:00:00Z'))).toMatchObject({ status: 'warn', details: [expect.stringContaining('in the future')] });
  });
});

describe('checkClock', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  it('passes a close clock, warns a skewed one, skips a missing header', () => {
    expect(checkClock('Wed, 01 Jan 2025 12:00:01 GMT', now).status).toBe('pass');
    expect(checkClock('Wed, 01 Jan 2025 12:05:00 GMT', now)).toMatchObject({ status: 'warn', details: [expect.stringContaining('300 s ahead')] });
    expect(checkClock(undefined, now).status).toBe('skip');
  });
});

describe('formatReport', () => {
  it('prints a row per check, problems under failures, and a summary', () => {
    const text = formatReport({
      url: 'https://x/calls',
      number: undefined,
      ok: false,
      counts: { pass: 1, warn: 0, fail: 1, skip: 0 },
      checks: [checkTransport('https://x/calls'), checkAuth({ raw: 200, bearer: 200, wrong: 200, missing: 401 })],
    });
    expect(text).toMatch(/^PASS {2}HTTPS/m);
    expect(text).toMatch(/^FAIL {2}auth/m);
    expect(text).toMatch(/^ {6}- a wrong key was served/m);
    expect(text).toMatch(/1 passed, 0 warned, 1 failed, 0 skipped: NOT READY for Cekura$/);
  });
});
