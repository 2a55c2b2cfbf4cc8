import { TokenBuckets } from '../../api/src/http/token-buckets';

describe('TokenBuckets (on an injected clock)', () => {
  let now = 0;
  const buckets = () => new TokenBuckets(60_000, () => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows a burst of capacity, then says how long until the next token', () => {
    const b = buckets();
    const takes = Array.from({ length: 4 }, () => b.take([['user', 3]]));
    expect(takes).toEqual([0, 0, 0, 20_000]);
    now += 19_999;
    expect(b.take([['user', 3]])).toBe(1);
    now += 1;
    expect(b.take([['user', 3]])).toBe(0);
  });

  it('takes from every key or from none', () => {
    const b = buckets();
    expect(b.take([['tenant', 1]])).toBe(0);
    // The tenant is empty: the user's token is not spent on a refused request.
    expect(
      b.take([
        ['user', 1],
        ['tenant', 1],
      ]),
    ).toBe(60_000);
    expect(b.take([['user', 1]])).toBe(0);
  });

  it('never holds more than its capacity, however long it rested', () => {
    const b = buckets();
    expect(b.take([['user', 2]])).toBe(0);
    now += 10 * 60_000;
    expect([b.take([['user', 2]]), b.take([['user', 2]]), b.take([['user', 2]])]).toEqual([0, 0, 30_000]);
  });
});
