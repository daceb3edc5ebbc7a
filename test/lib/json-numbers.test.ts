import fc from 'fast-check';
import { inexactNumberIssues, mayHoldInexactNumbers } from '../../lib/json-shape';

describe('inexactNumberIssues', () => {
  it('names each number JSON.parse would change, with its path', () => {
    const text = JSON.stringify({ calls: [{ id: 'x', metadata: { crm: 0, big: 0, tiny: 0 }, messages: [{ start_time: 0 }] }] })
      .replace('"crm":0', '"crm":12345678901234567890')
      .replace('"big":0', '"big":1e400')
      .replace('"tiny":0', '"tiny":1e-400')
      .replace('"start_time":0', '"start_time":-1E+999');
    expect(inexactNumberIssues(text)).toEqual([
      { path: 'calls[0].metadata.crm', message: expect.stringContaining('would become 12345678901234567000') },
      { path: 'calls[0].metadata.big', message: expect.stringContaining('Infinity') },
      { path: 'calls[0].metadata.tiny', message: expect.stringContaining('turn it into 0') },
      { path: 'calls[0].messages[0].start_time', message: expect.stringContaining('Infinity') },
    ]);
  });

  it('leaves exact numbers alone, digits inside strings included', () => {
    const text = JSON.stringify({ id: '12345678901234567890', n: 9007199254740991, e: 1e300, f: 0.1, z: 0, list: [1e21, -0.000001] }).replace(
      '1e+21',
      '100000000000000000000',
    );
    expect(inexactNumberIssues(text)).toEqual([]);
  });

  it('agrees with a JSON round trip on random documents (numbers, nesting, strings with quotes and escapes)', () => {
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map((n) => ({ big: n })),
    );
    const leaf = fc.oneof(number, fc.string(), fc.constant(null), fc.boolean());
    const doc = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('node'), { maxKeys: 4 })),
    })).node;
    const toText = (value: unknown): string => {
      if (value && typeof value === 'object' && 'big' in value) return String((value as { big: bigint }).big);
      if (Array.isArray(value)) return `[${value.map(toText).join(',')}]`;
      if (value && typeof value === 'object')
        return `{${Object.entries(value)
          .map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`)
          .join(',')}}`;
      return JSON.stringify(value);
    };
    fc.assert(
      fc.property(doc, (value) => {
        const text = toText(value);
        // An integer is kept when the number it parses to, written out in full, is the same digits
        // (Intl prints a double's shortest decimal without an exponent: an independent oracle).
        const full = new Intl.NumberFormat('en', { useGrouping: false, maximumFractionDigits: 0 });
        const bigs: bigint[] = [];
        JSON.stringify(value, (_, v: unknown) => {
          if (!(v && typeof v === 'object' && 'big' in v)) return v;
          bigs.push((v as { big: bigint }).big);
          return 0;
        });
        const changedBigs = bigs.filter((n) => full.format(Number(n)) !== String(n)).length;
        expect(inexactNumberIssues(text).length > 0).toBe(changedBigs > 0);
      }),
      { seed: 20251129, numRuns: 2_000 },
    );
  });
});

describe('mayHoldInexactNumbers (the pre-check that spares the tokenizer)', () => {
  it('says no for ordinary bodies, hex-looking text included, and yes for every way a number changes', () => {
    const ordinary = '{"id":"c1e854","n":12,"t":0,"x":1.5e-7}';
    expect(mayHoldInexactNumbers(JSON.parse(ordinary), ordinary)).toBe(false);
    for (const text of ['{"a":1e400}', '{"a":[-1e999]}', '{"a":{"b":12345678901234567890}}', '{"a":1e-400}']) {
      expect([text, mayHoldInexactNumbers(JSON.parse(text), text)]).toEqual([text, true]);
    }
  });
});
