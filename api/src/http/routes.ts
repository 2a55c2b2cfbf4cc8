/** The tab's JSON API under `/api` (see contract.ts), Global Admins only for every change. */
import express, { type NextFunction, type Request, type Response } from 'express';
import { remediationFor } from '../remediation';
import type { SignedInUser, SsoTokenValidator } from '../identity/port';
import type { PasswordSealer } from '../secrets/port';
import type { IntegrationService, StepListener } from '../integrations/service';
import type { VerificationResult } from '../integrations/verification';
import type { IntegrationStore } from '../store/port';
import type { Logger } from '../logger';
import { authenticate, signedInUser } from './auth';
import { createRateLimits, type RateLimitSettings } from './rate-limit';
import { problemHandler, problemToSend } from './problem';
import { RequestError } from './request-error';
import { UseCaseError } from '../integrations/errors';
import { auditView, healthView, integrationView, verificationView } from './views';
import { readStatus } from '../status/read-status';
import type { CheckNowOutcome } from '../health/port';
import type { AdminRecognition } from '../identity/admin-recognition';
import {
  auditQuerySchema,
  consentStartRequestSchema,
  connectBasicRequestSchema,
  scopeProofRequestSchema,
  sealingKeyRequestSchema,
  updatePasswordRequestSchema,
  verifyRequestSchema,
  type AuditView,
  type ConsentStartView,
  type IntegrationStatusView,
  type MeView,
  type SealingKeyView,
  type StepView,
  type VerificationStreamEvent,
} from './contract';

export interface ApiRouterDeps {
  appId: string;
  publicUrl: string;
  service: IntegrationService;
  store: IntegrationStore;
  validator: SsoTokenValidator;
  sealer: PasswordSealer;
  log: Logger;
  checkNow(tenantId: string): Promise<CheckNowOutcome>;
  /** Global Admins seen here are the users the bot serves (never throws). */
  admins: Pick<AdminRecognition, 'sawSignedIn'>;
  rateLimits: RateLimitSettings;
  now: () => number;
}

/** Enough results to hold one whole run (seven checks at most). */
const RECENT_RESULTS = 12;

/** The signed-in user, who must be a Global Administrator of their organisation (403 otherwise). */
function globalAdmin(res: Response): SignedInUser {
  const user = signedInUser(res);
  if (!user.isGlobalAdmin) {
    throw new UseCaseError(
      'not_global_admin',
      'Only Global Administrators can see or change the Exchange connection.',
      remediationFor('not_global_admin', { appId: '' }),
    );
  }
  return user;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

type Handler = (req: Request, res: Response) => Promise<void>;
const route = (handler: Handler) => (req: Request, res: Response, next: NextFunction) => {
  handler(req, res).catch(next);
};

export function createApiRouter(deps: ApiRouterDeps): express.Router {
  const router = express.Router();
  // Who is calling first: an unauthenticated request's body is never read or parsed.
  router.use(authenticate(deps.validator));
  router.use(express.json({ limit: '32kb' }));
  const limit = createRateLimits(deps.rateLimits, deps.now);

  router.get(
    '/me',
    route(async (_req, res) => {
      const user = signedInUser(res);
      await deps.admins.sawSignedIn(user);
      const me: MeView = {
        upn: user.upn,
        tenantId: user.tenantId,
        isGlobalAdmin: user.isGlobalAdmin,
        ...(user.name ? { name: user.name } : {}),
      };
      res.json(me);
    }),
  );

  router.get(
    '/integration',
    route(async (_req, res) => {
      const user = globalAdmin(res);
      await deps.admins.sawSignedIn(user);
      const now = new Date(deps.now());
      const report = await readStatus(deps.store, user.tenantId, { now, appId: deps.appId });
      const view: IntegrationStatusView = {
        appId: deps.appId,
        integration: report.integration ? integrationView(report.integration, now) : null,
        latestVerification: report.latestTrace ? verificationView(report.latestTrace) : null,
        health: report.health ? healthView(report.health, report.recentResults) : null,
        status: report.status,
      };
      res.json(view);
    }),
  );

  router.post(
    '/integrations/modern/consent',
    limit('start'),
    route(async (req, res) => {
      const { protocol } = consentStartRequestSchema.parse(req.body ?? {});
      const { consentUrl, expiresAt } = await deps.service.startModernConsent(signedInUser(res), protocol);
      // Our start page takes the state only, and rebuilds Entra's URL from what the store bound to it.
      const state = new URL(consentUrl).searchParams.get('state') ?? '';
      const startUrl = `${deps.publicUrl}/auth/consent/start?state=${encodeURIComponent(state)}`;
      const view: ConsentStartView = { consentUrl, startUrl, expiresAt };
      res.status(201).json(view);
    }),
  );

  router.post(
    '/sealing-key',
    limit('start'),
    route(async (req, res) => {
      const user = globalAdmin(res);
      const { purpose } = sealingKeyRequestSchema.parse(req.body ?? {});
      const { kid, jwk, binding, expiresAt } = await deps.sealer.grant({
        tenantId: user.tenantId,
        userId: user.oid,
        purpose,
      });
      // Copy the public members only, so a private key could never be serialised by mistake.
      const view: SealingKeyView = {
        kid,
        jwk: {
          kty: String(jwk.kty),
          n: text(jwk.n),
          e: text(jwk.e),
          alg: text(jwk.alg),
          kid,
          use: text(jwk.use),
        },
        binding,
        expiresAt,
      };
      res.status(201).json(view);
    }),
  );

  router.post(
    '/integrations/basic',
    limit('verify'),
    route(async (req, res) => {
      globalAdmin(res);
      const body = connectBasicRequestSchema.parse(req.body);
      const input = body.ewsUrl
        ? { ewsUrl: body.ewsUrl, serviceAccount: body.serviceAccount, sealedPassword: body.sealedPassword }
        : {
            autodiscoverAddress: body.autodiscoverAddress ?? '',
            serviceAccount: body.serviceAccount,
            sealedPassword: body.sealedPassword,
          };
      const user = signedInUser(res);
      await answerVerification(req, res, deps.log, (onStep) =>
        deps.service.connectBasic(user, input, onStep),
      );
    }),
  );

  router.put(
    '/integration/password',
    limit('verify'),
    route(async (req, res) => {
      globalAdmin(res);
      const body = updatePasswordRequestSchema.parse(req.body);
      const user = signedInUser(res);
      await answerVerification(req, res, deps.log, (onStep) =>
        deps.service.updatePassword(user, body.sealedPassword, onStep),
      );
    }),
  );

  router.post(
    '/integration/verify',
    limit('verify'),
    route(async (req, res) => {
      const body = verifyRequestSchema.parse(req.body ?? {});
      const user = signedInUser(res);
      await answerVerification(req, res, deps.log, (onStep) =>
        deps.service.verify(user, { ...body, onStep }),
      );
    }),
  );

  router.post(
    '/integration/scope/verify',
    limit('verify'),
    route(async (req, res) => {
      const body = scopeProofRequestSchema.parse(req.body ?? {});
      const user = signedInUser(res);
      await answerVerification(req, res, deps.log, (onStep) =>
        deps.service.proveRoomScope(user, body, onStep),
      );
    }),
  );

  router.delete(
    '/integration',
    route(async (_req, res) => {
      await deps.service.disconnect(signedInUser(res));
      res.status(204).end();
    }),
  );

  router.post(
    '/integration/health/check',
    limit('check'),
    route(async (_req, res) => {
      const user = globalAdmin(res);
      const outcome = await deps.checkNow(user.tenantId);
      if (outcome.status === 'not_connected')
        throw new UseCaseError('not_connected', 'Exchange is not connected.');
      if (outcome.status === 'throttled') {
        throw new RequestError('check_throttled', 'Exchange asked us to wait before checking again.', {
          retryAfterMs: outcome.retryAfterMs,
        });
      }
      if (outcome.status === 'busy')
        throw new RequestError('check_running', 'A health check is running right now.');
      const health = await currentHealth(deps.store, user.tenantId);
      if (!health) throw new UseCaseError('not_connected', 'Exchange is not connected.');
      res.json(health);
    }),
  );

  router.get(
    '/integration/audit',
    route(async (req, res) => {
      const user = globalAdmin(res);
      const { limit } = auditQuerySchema.parse(req.query);
      const entries = await deps.store.listAudit(user.tenantId, { limit });
      const view: AuditView = auditView(entries);
      res.json(view);
    }),
  );

  router.use((_req, _res, next) => next(new RequestError('not_found', 'No such API route.')));
  router.use(problemHandler(deps.log));
  return router;
}

async function currentHealth(store: IntegrationStore, tenantId: string) {
  const health = await store.getIntegrationHealth(tenantId);
  return health
    ? healthView(health, await store.listHealthResults(tenantId, { limit: RECENT_RESULTS }))
    : null;
}

const NDJSON = 'application/x-ndjson';

/** The NDJSON answer of a verification: headers go out with the first line, each line is flushed. */
class VerificationStream {
  private started = false;
  constructor(private readonly res: Response) {}

  get hasStarted(): boolean {
    return this.started;
  }

  send(event: VerificationStreamEvent): void {
    if (!this.started) {
      this.started = true;
      this.res.status(200).set({
        'content-type': `${NDJSON}; charset=utf-8`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      });
      this.res.flushHeaders();
    }
    // Not flushed when the client went away: the verification still finishes and is recorded.
    if (!this.res.destroyed) this.res.write(`${JSON.stringify(event)}\n`);
  }

  end(): void {
    if (this.started && !this.res.writableEnded) this.res.end();
  }
}

/**
 * One VerificationView, or — when the client prefers NDJSON — each step as it settles, then the
 * result. The stream starts with the first step, so refusals before verification (validation,
 * authorisation, a refused endpoint) stay ordinary problem+json answers with their status.
 */
async function answerVerification(
  req: Request,
  res: Response,
  log: Logger,
  run: (onStep?: StepListener) => Promise<VerificationResult>,
): Promise<void> {
  if (req.accepts(['application/json', NDJSON]) !== NDJSON) {
    res.json(verificationView(await run()));
    return;
  }
  const stream = new VerificationStream(res);
  try {
    const result = await run((step) => stream.send({ type: 'step', step: step as StepView }));
    stream.send({ type: 'result', verification: verificationView(result) });
  } catch (error) {
    if (!stream.hasStarted) throw error;
    stream.send({ type: 'error', problem: problemToSend(error, log, req, res) });
  } finally {
    stream.end();
  }
}
