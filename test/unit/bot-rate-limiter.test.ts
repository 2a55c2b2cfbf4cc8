import { SEND_JITTER_MARGIN_MS, TeamsRateLimiter, teamsRateLimiter } from '../../bot/src/rate-limiter';

describe('TeamsRateLimiter (client-side Teams limits)', () => {
  it('allows 7 sends per conversation per second, then says how long to wait', () => {
    const limiter = new TeamsRateLimiter();
    for (let i = 0; i < 7; i++) expect(limiter.tryAcquire('t', 'c', 1000 + i)).toBe(0);
    expect(limiter.tryAcquire('t', 'c', 1010)).toBe(1000 - 10);
    // Other conversations are not held up.
    expect(limiter.tryAcquire('t', 'other', 1010)).toBe(0);
  });

  it('allows 8 per 2 s: the 8th after a second passes, the 9th waits for the 2 s window', () => {
    const limiter = new TeamsRateLimiter();
    for (let i = 0; i < 7; i++) expect(limiter.tryAcquire('t', 'c', 0)).toBe(0);
    expect(limiter.tryAcquire('t', 'c', 1000)).toBe(0);
    expect(limiter.tryAcquire('t', 'c', 1001)).toBe(999);
    expect(limiter.tryAcquire('t', 'c', 2000)).toBe(0);
  });

  it('allows 60 per 30 s per conversation', () => {
    const limiter = new TeamsRateLimiter();
    let t = 0;
    for (let i = 0; i < 60; i++) {
      t += 300;
      expect(limiter.tryAcquire('t', 'c', t)).toBe(0);
    }
    expect(limiter.tryAcquire('t', 'c', t + 300)).toBeGreaterThan(0);
  });

  it('allows 50 per second per tenant across its conversations', () => {
    const limiter = new TeamsRateLimiter();
    for (let i = 0; i < 50; i++) expect(limiter.tryAcquire('t', `c${i}`, 5000)).toBe(0);
    expect(limiter.tryAcquire('t', 'c-next', 5000)).toBe(1000);
    expect(limiter.tryAcquire('other-tenant', 'c-next', 5000)).toBe(0);
  });

  it("tells the notifier a tenant's room and when it frees, and which tenants were sent to lately", () => {
    const limiter = new TeamsRateLimiter();
    expect(limiter.recentTenants(0)).toEqual([]);
    expect(limiter.tenantRoom('t', 0)).toEqual({ room: 50, freesInMs: 0 });
    for (let i = 0; i < 48; i++) limiter.tryAcquire('t', `c${i}`, 100);
    limiter.tryAcquire('t', 'c48', 400);
    limiter.tryAcquire('u', 'c', 400);
    expect(limiter.tenantRoom('t', 400)).toEqual({ room: 1, freesInMs: 0 });
    limiter.tryAcquire('t', 'c49', 400);
    expect(limiter.tenantRoom('t', 400)).toEqual({ room: 0, freesInMs: 700 });
    expect(limiter.recentTenants(400).sort()).toEqual(['t', 'u']);
    // The first 48 slide out at 1100; the last two at 1400.
    expect(limiter.tenantRoom('t', 1100)).toEqual({ room: 48, freesInMs: 0 });
    expect(limiter.recentTenants(1400)).toEqual([]);
  });

  it('gives back the slot of a send Teams refused', () => {
    const limiter = new TeamsRateLimiter();
    for (let i = 0; i < 7; i++) limiter.tryAcquire('t', 'c', 100 + i);
    expect(limiter.tryAcquire('t', 'c', 200)).toBeGreaterThan(0);
    limiter.refund('t', 'c', 106);
    expect(limiter.tenantRoom('t', 200).room).toBe(44);
    expect(limiter.tryAcquire('t', 'c', 200)).toBe(0);
  });

  it("the bot's limiter keeps a margin over Teams' windows for network jitter", () => {
    const limiter = teamsRateLimiter();
    for (let i = 0; i < 50; i++) expect(limiter.tryAcquire('t', `c${i}`, 0)).toBe(0);
    expect(limiter.tryAcquire('t', 'c-next', 1000)).toBe(SEND_JITTER_MARGIN_MS);
    expect(limiter.tryAcquire('t', 'c-next', 1000 + SEND_JITTER_MARGIN_MS)).toBe(0);
  });
});
