/** Runs one verification step: measures it and turns a failure into the step's diagnostic. */
import { ExchangeConnectError, type Diagnostic } from '../errors';
import { remediationFor, type RemediationContext } from '../remediation';
import type { JsonObject, VerificationStep, VerificationStepStatus } from '../store/types';

export const STEP_NAMES = ['endpoint', 'token', 'permission', 'credentials', 'mailbox', 'rooms'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type StepOutcome<T> =
  | { ok: true; value: T; step: VerificationStep }
  | { ok: false; diagnostic: Diagnostic; step: VerificationStep };

/** Anything that is not already ours is a defect or an unconverted SDK error: say so plainly. */
export function toDiagnostic(error: unknown, ctx: RemediationContext): Diagnostic {
  if (error instanceof ExchangeConnectError) return error.toDiagnostic();
  return {
    kind: 'unexpected',
    code: 'Unexpected',
    message: error instanceof Error ? error.message : 'An unexpected error occurred.',
    remediation: remediationFor('unexpected', ctx),
  };
}

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
    const diagnostic = toDiagnostic(error, ctx);
    return { ok: false, diagnostic, step: stepFromDiagnostic(name, 'failed', now() - started, diagnostic) };
  }
}
