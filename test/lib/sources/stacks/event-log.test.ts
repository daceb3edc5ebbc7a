import { readEventLog } from '../../../../lib/sources/stacks/event-log';

const what = 'a test event';

describe('readEventLog: the app-stamped event logs of the stacks without an export', () => {
  it('reads flat and wrapped entries, bare or under events, with their stamps and paths', () => {
    const reading = readEventLog(
      {
        events: [
          { type: 'a', received_at: 1_733_320_000_123 },
          { sent_at: '2024-12-04T13:46:41.000Z', event: { type: 'b' } },
          { type: 'c', received_at: 1_733_320_002 },
          { type: 'd' },
        ],
      },
      { what },
    );
    expect(reading).toEqual({
      ok: true,
      events: [
        { event: { type: 'a', received_at: 1_733_320_000_123 }, path: 'events[0]', at: 1_733_320_000_123, direction: 'received' },
        { event: { type: 'b' }, path: 'events[1].event', at: 1_733_320_001_000, direction: 'sent' },
        // Epoch seconds, told apart by size.
        { event: { type: 'c', received_at: 1_733_320_002 }, path: 'events[2]', at: 1_733_320_002_000, direction: 'received' },
        { event: { type: 'd' }, path: 'events[3]' },
      ],
    });
  });

  it("leaves a vendor's own received_at alone on a flat entry, but takes a wrapper's", () => {
    const vendorStamp = (event: Record<string, unknown>) => event.type === 'dtmf';
    const reading = readEventLog(
      [
        { type: 'dtmf', received_at: 1_733_320_050 },
        { received_at: 1_733_320_000_500, event: { type: 'dtmf', received_at: 1_733_320_050 } },
      ],
      { what, vendorStamp },
    );
    expect(reading.ok && reading.events.map((event) => event.at)).toEqual([undefined, 1_733_320_000_500]);
  });

  it('refuses a stamp that is not an instant, and an entry that is not an object, by path', () => {
    expect(readEventLog([{ type: 'a', received_at: 'yesterday' }], { what })).toEqual({
      ok: false,
      path: '[0].received_at',
      message: 'must be an instant: epoch milliseconds (or seconds) or ISO 8601 with a time zone',
    });
    expect(readEventLog({ events: [{ type: 'a' }, 'b'] }, { what })).toEqual({ ok: false, path: 'events[1]', message: 'must be a test event: an object' });
    expect(readEventLog('text', { what }).ok).toBe(false);
  });
});
