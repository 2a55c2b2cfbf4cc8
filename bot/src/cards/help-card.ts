/** The welcome card (after install) and the help card (for `help` and any unknown text). */
import { adaptiveCard, header, openTabAction, text, type AdaptiveCard, type TabLink } from './card';

const COMMANDS: [string, string][] = [
  ['status', 'The connection’s current state and its last checks.'],
  ['check', 'Run every check now.'],
  ['mute 24h', 'No alerts in this conversation for 24 hours (also 30m, 8h, 7d; at most 7 days).'],
  ['unmute', 'Alerts in this conversation again.'],
  ['help', 'This list.'],
];

function commandList() {
  return {
    type: 'FactSet',
    facts: COMMANDS.map(([title, value]) => ({ title, value })),
  };
}

export function welcomeCard(link: TabLink): AdaptiveCard {
  return adaptiveCard(
    [
      header('Exchange Connect alerts', 'accent', 'Installed in this conversation'),
      text(
        'I watch your organisation’s Exchange connection (admin consent, certificate, service-account password, mailbox and room access, EWS allow list) and post an alert here when its health changes, with the Microsoft error code and what to do. When it recovers, I close the alert.',
      ),
      text('Commands', { weight: 'Bolder', spacing: 'Medium' }),
      commandList(),
    ],
    [openTabAction(link)],
  );
}

export function helpCard(link: TabLink, preface?: string): AdaptiveCard {
  return adaptiveCard(
    [
      header('Exchange Connect alerts: commands', 'accent'),
      ...(preface ? [text(preface)] : []),
      commandList(),
    ],
    [openTabAction(link)],
  );
}
