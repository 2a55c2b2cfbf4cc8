/**
 * The welcome card (after install), the help card (for `help` and any unknown text), and the
 * answer to anyone the bot does not serve. Each says who the bot serves: Global Administrators it
 * recognised from a visit to the Exchange Connect tab, and team channels one of them chose.
 */
import type { ConversationScope } from '../../../api/src/store/conversation-types';
import { adaptiveCard, header, openTabAction, text, type AdaptiveCard, type TabLink } from './card';

/** What the cards say about who is recognised, and for how long. */
export interface Audience {
  recognitionDays: number;
}

const COMMANDS: [string, string][] = [
  ['status', 'The connection’s current state and its last checks.'],
  ['check', 'Run every check now (once a minute per conversation).'],
  ['mute 24h', 'No alerts in this conversation for 24 hours (also 30m, 8h, 7d; at most 7 days).'],
  ['unmute', 'Alerts in this conversation again.'],
  [
    'alerts on',
    'In a team channel: post the alerts in this channel (off until a Global Administrator says so).',
  ],
  ['alerts off', 'In a team channel: stop posting the alerts here.'],
  ['help', 'This list.'],
];

function commandList() {
  return {
    type: 'FactSet',
    facts: COMMANDS.map(([title, value]) => ({ title, value })),
  };
}

/** Who may use the commands and receives alerts, in one sentence every card shares. */
function whoIsServed({ recognitionDays }: Audience): string {
  return `Alerts and commands are for your organisation’s Global Administrators. I recognise a Global Administrator once they open the Exchange Connect tab in Teams; each visit counts for ${recognitionDays} days.`;
}

export function welcomeCard(link: TabLink, audience: Audience, scope: ConversationScope): AdaptiveCard {
  return adaptiveCard(
    [
      header('Exchange Connect alerts', 'accent', 'Installed in this conversation'),
      text(
        'I watch your organisation’s Exchange connection (admin consent, certificate, service-account password, mailbox and room access, EWS allow list) and post an alert when its health changes, with the Microsoft error code and what to do. When it recovers, I close the alert.',
      ),
      text(whoIsServed(audience)),
      text(
        scope === 'team'
          ? 'Alerts are off in this channel until a Global Administrator says “alerts on” here; “alerts off” stops them again.'
          : 'In this chat, alerts arrive while you are a recognised Global Administrator.',
      ),
      text('Commands', { weight: 'Bolder', spacing: 'Medium' }),
      commandList(),
    ],
    [openTabAction(link)],
  );
}

export function helpCard(link: TabLink, audience: Audience, preface?: string): AdaptiveCard {
  return adaptiveCard(
    [
      header('Exchange Connect alerts: commands', 'accent'),
      ...(preface ? [text(preface)] : []),
      commandList(),
      text(whoIsServed(audience), { isSubtle: true, spacing: 'Medium' }),
    ],
    [openTabAction(link)],
  );
}

/** The polite refusal: who can use this, and how a Global Administrator gets recognised. */
export function notAnAdminCard(link: TabLink, audience: Audience): AdaptiveCard {
  return adaptiveCard(
    [
      header('This is for your organisation’s admins', 'accent'),
      text(
        'Status details, checks, muting and the choice of alert channels are for the Global Administrators who manage your organisation’s Exchange connection, so nothing was changed or run.',
      ),
      text(whoIsServed(audience)),
      text(
        'If you are a Global Administrator, open the Exchange Connect tab once and try again. Otherwise, ask one of them.',
      ),
    ],
    [openTabAction(link)],
  );
}
