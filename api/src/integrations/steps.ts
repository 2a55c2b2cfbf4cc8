/** Runs one verification step: measures it and turns a failure into the step's diagnostic. */
import { diagnosticOf, type Diagnostic, type UnexpectedErrorReport } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import type { JsonObject, VerificationStep, VerificationStepStatus } from '../store/types';

export const STEP_NAMES = [
  'endpoint',
  'token',
  'permission',
  'credentials',
  'mailbox',
  /** Proving a room-only scope: a mailbox outside it is refused. */
  'scope',
  'rooms',
  /** Basic: the verified password written to Key Vault (only after it verified). */
  'keyVault',
  /** A verification an instance left unfinished (it stopped or crashed), closed at a later start. */
  'interrupted',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** A stored step's name (a string in the store) as one of ours. */
export function isStepName(name: string): name is StepName {
  return (STEP_NAMES as readonly string[]).includes(name);
}

export type StepOutcome<T> =
  | { ok: true; value: T; step: VerificationStep }
  | { ok: false; diagnostic: Diagnostic; step: VerificationStep };

export function stepFromDiagnostic(
  name: StepName,
  status: VerificationStepStatus,
  durationMs: number,
  diagnostic: Diagnostic,
  detail?: JsonObject,
): VerificationStep {
  return {
    name,
    status,
    durationMs,
    code: diagnostic.code,
    message: diagnostic.message,
    remediation: diagnostic.remediation,
    ...(detail ? { detail } : {}),
  };
}

export async function runStep<T>(
  name: StepName,
  now: () => number,
  ctx: RemediationContext,
  work: () => Promise<{ value: T; detail?: JsonObject }>,
  report?: UnexpectedErrorReport,
): Promise<StepOutcome<T>> {
  const started = now();
  try {
    const { value, detail } = await work();
    return {
      ok: true,
      value,
      step: { name, status: 'ok', durationMs: now() - started, ...(detail ? { detail } : {}) },
    };
  } catch (error) {
    const diagnostic = diagnosticOf(error, (kind) => remediationFor(kind, ctx), report);
    return { ok: false, diagnostic, step: stepFromDiagnostic(name, 'failed', now() - started, diagnostic) };
  }
}
