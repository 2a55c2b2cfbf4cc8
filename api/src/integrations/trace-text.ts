/**
 * The verification step trace as plain text: what the CLI prints, mirroring the tab's checklist
 * with the same words (vocabulary.ts: step labels per protocol, results in words).
 */
import type { VerificationStep } from '../store/types';
import {
  noRoomListsAdvice,
  protocolName,
  stepLabel,
  STEP_STATUS_TEXT,
  type ConnectionKind,
} from '../vocabulary';
import type { VerificationResult } from './verification';
import { isStepName } from './steps';

const MARKS: Record<VerificationStep['status'], string> = {
  ok: '✔',
  failed: '✖',
  pending: '…',
  skipped: '-',
};

function stepLine(step: VerificationStep, kind: ConnectionKind, mailbox: string): string[] {
  const label = isStepName(step.name) ? stepLabel(step.name, kind, mailbox) : step.name;
  const lines = [
    `  ${MARKS[step.status]} ${label.padEnd(54)} ${STEP_STATUS_TEXT[step.status].padEnd(9)} ${String(step.durationMs).padStart(6)} ms`,
  ];
  if (step.name === 'rooms' && step.detail && step.status === 'ok') {
    const { reachable, rooms, total, sampled, roomLists } = step.detail;
    const read = Array.isArray(rooms) ? rooms.length : 0;
    const sample =
      typeof total === 'number' && typeof sampled === 'number' && sampled < total
        ? ` (a sample of ${sampled} of ${total} rooms)`
        : '';
    lines.push(
      roomLists === 0
        ? `      ${noRoomListsAdvice(kind)}`
        : `      ${String(reachable)} of ${read} rooms reachable${sample}`,
    );
  }
  if (step.status !== 'ok') {
    if (step.code) lines.push(`      ${step.code}: ${step.message ?? ''}`);
    if (step.remediation) lines.push(`      → ${step.remediation}`);
  }
  return lines;
}

export function traceText(result: VerificationResult, kind: ConnectionKind): string {
  const over = protocolName(kind);
  const headline = {
    verified: `Verified over ${over}: Exchange Connect opened the mailbox ${result.mailbox}.`,
    pending: `Pending: Microsoft 365 is still applying the consent (mailbox ${result.mailbox}).`,
    failed: `Failed: Exchange Connect could not open the mailbox ${result.mailbox} over ${over}.`,
  }[result.outcome];
  return [headline, ...result.steps.flatMap((s) => stepLine(s, kind, result.mailbox))].join('\n');
}
