/** The verification step trace as plain text: what the CLI prints, mirroring the tab's checklist. */
import type { VerificationStep } from '../store/types';
import type { VerificationResult } from './verification';

const STEP_LABELS: Record<string, string> = {
  endpoint: 'EWS endpoint',
  token: 'App-only token',
  permission: 'full_access_as_app permission',
  credentials: 'Service account credentials',
  mailbox: 'Mailbox opens',
  rooms: 'Rooms',
};

const MARKS: Record<VerificationStep['status'], string> = {
  ok: '✔',
  failed: '✖',
  pending: '…',
  skipped: '-',
};

function stepLine(step: VerificationStep): string[] {
  const label = STEP_LABELS[step.name] ?? step.name;
  const lines = [`  ${MARKS[step.status]} ${label.padEnd(32)} ${String(step.durationMs).padStart(6)} ms`];
  if (step.name === 'rooms' && step.detail && step.status === 'ok') {
    const { reachable, rooms, total, sampled } = step.detail;
    const read = Array.isArray(rooms) ? rooms.length : 0;
    const sample =
      typeof total === 'number' && typeof sampled === 'number' && sampled < total
        ? ` (a sample of ${sampled} of ${total} rooms)`
        : '';
    lines.push(`      ${String(reachable)} of ${read} rooms reachable${sample}`);
  }
  if (step.status !== 'ok') {
    if (step.code) lines.push(`      ${step.code}: ${step.message ?? ''}`);
    if (step.remediation) lines.push(`      → ${step.remediation}`);
  }
  return lines;
}

export function traceText(result: VerificationResult): string {
  const headline = {
    verified: `Verified: Exchange Connect opened the mailbox ${result.mailbox}.`,
    pending: `Pending: Microsoft 365 is still applying the consent (mailbox ${result.mailbox}).`,
    failed: `Failed: the mailbox ${result.mailbox} could not be opened.`,
  }[result.outcome];
  return [headline, ...result.steps.flatMap(stepLine)].join('\n');
}
