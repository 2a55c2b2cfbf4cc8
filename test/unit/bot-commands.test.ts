import { DEFAULT_MUTE_MS, parseCommand } from '../../bot/src/commands';
import { tenantOf } from '../../bot/src/tenant';

describe('bot commands', () => {
  it.each([
    ['status', { name: 'status' }],
    ['  STATUS ', { name: 'status' }],
    ['check', { name: 'check' }],
    ['help', { name: 'help' }],
    ['unmute', { name: 'unmute' }],
    ['mute', { name: 'mute', durationMs: DEFAULT_MUTE_MS }],
    ['mute 24h', { name: 'mute', durationMs: 24 * 3600_000 }],
    ['mute 30m', { name: 'mute', durationMs: 30 * 60_000 }],
    ['mute 7d', { name: 'mute', durationMs: 7 * 86_400_000 }],
    ['alerts on', { name: 'alerts', state: 'on' }],
    ['Alerts  OFF', { name: 'alerts', state: 'off' }],
    ['alerts', { name: 'unknown' }],
    ['hello', { name: 'unknown' }],
  ])('%j → %j', (text, command) => {
    expect(parseCommand(text)).toEqual(command);
  });

  it.each(['mute 8d', 'mute 0h', 'mute forever'])('%s is refused with a reason', (text) => {
    expect(parseCommand(text)).toMatchObject({ name: 'invalid' });
  });
});

describe('tenantOf', () => {
  const a = '03017f7d-a934-418b-85f8-86d47d2aa0d0';
  const b = '69e46513-af5b-44b0-8c4f-7a95a633f186';
  it('takes the tenant from the conversation or channelData', () => {
    expect(tenantOf({ conversation: { tenantId: a } as never })).toBe(a);
    expect(tenantOf({ channelData: { tenant: { id: a } } })).toBe(a);
    expect(
      tenantOf({ conversation: { tenantId: a.toUpperCase() } as never, channelData: { tenant: { id: a } } }),
    ).toBe(a);
  });
  it('answers for no tenant when the two disagree, or neither is there', () => {
    expect(
      tenantOf({ conversation: { tenantId: a } as never, channelData: { tenant: { id: b } } }),
    ).toBeUndefined();
    expect(tenantOf({})).toBeUndefined();
  });
});
