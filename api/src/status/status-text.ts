/**
 * A tenant's one status (connection-status.ts) as plain text, for the CLI: the headline, cause and
 * notes the tab and the bot's status card show, then the facts and the rooms. Renders; decides nothing.
 */
import type { StatusReport } from './port';

const TONE_MARK = { success: '✔', warning: '!', danger: '✖', neutral: '·' } as const;

function fact(name: string, value: string | undefined): string[] {
  return value ? [`  ${`${name}:`.padEnd(26)} ${value}`] : [];
}

export function statusText(tenantId: string, report: StatusReport): string {
  const { status, integration, health } = report;
  const lines = [`${TONE_MARK[status.tone]} ${status.title} (tenant ${tenantId})`, `  ${status.summary}`];
  if (integration) {
    lines.push(
      ...fact('Connection', status.connection),
      ...fact('Verified with', integration.verificationMailbox ?? integration.verifiedMailbox),
      ...fact('Verified at', integration.verifiedAt),
      ...fact('Last health check', health?.lastRunAt),
      ...fact('Next health check', health?.nextRunAt),
      ...fact('App certificate expires', status.certificate?.notAfter),
    );
  }
  if (status.cause) {
    lines.push(
      `  What is wrong (${status.cause.label}):`,
      `    ${status.cause.code}: ${status.cause.message}`,
      `  What to do:`,
      `    ${status.cause.remediation}`,
    );
  }
  for (const note of status.notes) lines.push(`  Note: ${note.text}`);
  if (status.rooms.length > 0) {
    lines.push(
      `  Rooms (${status.rooms.filter((r) => r.reachable).length} of ${status.rooms.length} reachable):`,
    );
    for (const room of status.rooms) {
      const name = room.name ? ` (${room.name})` : '';
      const result = room.reachable ? 'reachable' : `not reachable${room.code ? `, ${room.code}` : ''}`;
      lines.push(
        `    ${room.reachable ? '✔' : '✖'} ${room.address}${name}: ${result}, checked ${room.checkedAt}`,
      );
      if (!room.reachable && room.remediation) lines.push(`      → ${room.remediation}`);
    }
  }
  return lines.join('\n');
}
