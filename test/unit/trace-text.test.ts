/**
 * The CLI's step trace speaks the tab's words: each step's label is the checklist's (vocabulary.ts,
 * per protocol) and each result is the checklist's word for it, so the two never drift apart.
 */
import { traceText } from '../../api/src/integrations/trace-text';
import type { VerificationResult } from '../../api/src/integrations/verification';
import { STEP_NAMES } from '../../api/src/integrations/steps';
import {
  noRoomListsAdvice,
  STEP_STATUS_TEXT,
  stepLabel,
  type ConnectionKind,
} from '../../api/src/vocabulary';

const result = (steps: VerificationResult['steps'], outcome: VerificationResult['outcome']) => ({
  outcome,
  mailbox: 'admin@contoso.com',
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: '2026-12-01T10:00:01.000Z',
  steps,
});

describe('traceText', () => {
  it.each<[string, ConnectionKind]>([
    ['Exchange Online over Graph', { method: 'modern', protocol: 'graph' }],
    ['Exchange Online over EWS', { method: 'modern', protocol: 'ews' }],
    ['Exchange Server', { method: 'basic' }],
  ])('labels every step of %s as the tab does', (_name, kind) => {
    const names = STEP_NAMES;
    const text = traceText(
      result(
        names.map((name) => ({ name, status: 'ok', durationMs: 1 })),
        'verified',
      ),
      kind,
    );
    const lines = text.split('\n').slice(1);
    names.forEach((name, i) => {
      expect(lines[i]).toContain(stepLabel(name, kind, 'admin@contoso.com'));
      expect(lines[i]).toContain(STEP_STATUS_TEXT.ok);
    });
  });

  it('with no room lists, says how to create one, as the tab does', () => {
    const kind: ConnectionKind = { method: 'modern', protocol: 'graph' };
    const text = traceText(
      result(
        [
          {
            name: 'rooms',
            status: 'ok',
            durationMs: 1,
            detail: { roomLists: 0, rooms: [], reachable: 0, total: 0, sampled: 0 },
          },
        ],
        'verified',
      ),
      kind,
    );
    expect(text).toContain(noRoomListsAdvice(kind));
  });

  it('a failed step says so in the tab’s word, with Microsoft’s code and what to do', () => {
    const text = traceText(
      result(
        [
          {
            name: 'mailbox',
            status: 'failed',
            durationMs: 5,
            code: 'MailboxNotEnabledForRESTAPI',
            message: 'REST API is not yet supported for this mailbox.',
            remediation: 'Assign a mailbox.',
          },
        ],
        'failed',
      ),
      { method: 'modern', protocol: 'graph' },
    );
    expect(text).toMatch(/Microsoft Graph/);
    expect(text).toContain(`Open the mailbox admin@contoso.com`);
    expect(text).toContain(STEP_STATUS_TEXT.failed);
    expect(text).toContain('MailboxNotEnabledForRESTAPI: REST API is not yet supported for this mailbox.');
    expect(text).toContain('→ Assign a mailbox.');
  });
});
