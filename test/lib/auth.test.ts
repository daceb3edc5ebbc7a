import { keyCheck, parseKeyList, presentedKey } from '../../lib/auth';

describe('presentedKey', () => {
  it.each([
    ['abc123', 'abc123'],
    ['Bearer abc123', 'abc123'],
    ['bearer abc123', 'abc123'],
    ['  Bearer   abc123  ', 'abc123'],
  ])('reads %j as %j', (header, key) => expect(presentedKey(header)).toBe(key));

  it.each([undefined, '', '   ', 'Bearer '])('finds no key in %j', (header) => {
    expect(presentedKey(header)).toBeUndefined();
  });
});

describe('keyCheck', () => {
  const check = keyCheck(parseKeyList('old-key, new-key\nthird'));

  it('accepts every configured key, so a key can be rotated without downtime', () => {
    expect(['old-key', 'new-key', 'third'].map(check)).toEqual([true, true, true]);
  });

  it.each(['old-ke', 'old-key ', 'OLD-KEY', 'old-keyx', '', 'new-key,old-key'])('refuses %j', (key) => {
    expect(check(key)).toBe(false);
  });

  it('refuses everything when no key is configured', () => {
    expect(keyCheck([])('anything')).toBe(false);
    expect(check(undefined)).toBe(false);
  });
});
