/**
 * The sandbox Azure Key Vault: the secrets REST API (set, get, versions, update, list, soft delete,
 * recover, purge) as @azure/keyvault-secrets speaks it, behind Key Vault's bearer challenge.
 */
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { requireVaultBearerToken } from './auth';
import { messages, sendKeyVaultError } from './errors';
import { answeredByFault } from './faults';
import { currentVersion, secretStoreFor } from './secret-store';
import { deletedSecretBundle, deletedSecretItem, secretBundle, secretItem } from './wire';

const LATEST_API_VERSION = '2025-07-01';
const API_VERSIONS = ['2016-10-01', '7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', LATEST_API_VERSION];
const MAX_PAGE_SIZE = 25;
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

const attributesSchema = z
  .object({
    enabled: z.boolean().optional(),
    nbf: z.number().int().optional(),
    exp: z.number().int().optional(),
  })
  .optional();
const tagsSchema = z.record(z.string(), z.string()).optional();
const setSecretSchema = z.object({
  value: z.string(),
  contentType: z.string().optional(),
  tags: tagsSchema,
  attributes: attributesSchema,
});
const updateSecretSchema = z.object({
  contentType: z.string().optional(),
  tags: tagsSchema,
  attributes: attributesSchema,
});

interface Call {
  query: URLSearchParams;
  /** The secret name from the path ('' on collection routes), already validated. */
  name: string;
  /** The version from the path; '' means the current version. */
  version: string;
}
type Handler = (req: Request, res: Response, call: Call) => void;

export function createKeyVaultApp(ctx: SandboxContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const store = secretStoreFor(ctx);
  const vault = ctx.urls.keyVault;

  /** Checks the api-version and the name, consumes injected faults, then runs the operation. */
  const operation =
    (name: string, handle: Handler) =>
    async (req: Request, res: Response): Promise<void> => {
      // The SDK writes `?api%2Dversion=`; URLSearchParams decodes it like Key Vault does.
      const query = new URL(req.originalUrl, vault).searchParams;
      const apiVersion = query.get('api-version') ?? '';
      if (!API_VERSIONS.includes(apiVersion)) {
        return sendKeyVaultError(
          res,
          400,
          'BadParameter',
          messages.unknownApiVersion(apiVersion, LATEST_API_VERSION),
        );
      }
      const secretName = pathParam(req, 'name');
      const version = pathParam(req, 'version');
      if ('name' in req.params && !SECRET_NAME.test(secretName)) {
        return sendKeyVaultError(res, 400, 'BadParameter', messages.invalidName(secretName));
      }
      if (await answeredByFault(ctx, name, res)) return;
      handle(req, res, { query, name: secretName, version });
    };

  const parse = <S extends z.ZodType>(schema: S, req: Request, res: Response): z.infer<S> | undefined => {
    const parsed = schema.safeParse(req.body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    sendKeyVaultError(
      res,
      400,
      'BadParameter',
      `The request body is invalid: ${issue?.path.join('.') || 'body'}`,
    );
    return undefined;
  };

  // A deleted secret is as absent as a missing one until it is recovered.
  const notFound = (res: Response, name: string, version = '') =>
    sendKeyVaultError(
      res,
      404,
      'SecretNotFound',
      messages.secretNotFound(version ? `${name}/${version}` : name),
    );
  const deletedNotFound = (res: Response, name: string) =>
    sendKeyVaultError(res, 404, 'SecretNotFound', messages.deletedSecretNotFound(name));

  const page = <T>(items: T[], req: Request, query: URLSearchParams) => {
    const requested = Number.parseInt(query.get('maxresults') ?? '', 10);
    const size =
      Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
    const offset = readSkipToken(query.get('$skiptoken'));
    const next = offset + size;
    const nextLink =
      next < items.length
        ? `${vault}${req.path}?api-version=${query.get('api-version')}&$skiptoken=${skipToken(next)}&maxresults=${size}`
        : null;
    return { value: items.slice(offset, next), nextLink };
  };

  app.use((req, res, next) => {
    res.set({
      'Cache-Control': 'no-cache',
      Pragma: 'no-cache',
      Expires: '-1',
      'x-ms-request-id': randomUUID(),
    });
    const clientRequestId = req.get('x-ms-client-request-id');
    if (clientRequestId) res.set('x-ms-client-request-id', clientRequestId);
    next();
  });
  app.use(requireVaultBearerToken(ctx));
  app.use(express.json({ limit: '100kb' }));

  app.get(
    '/secrets',
    operation('getSecrets', (req, res, { query }) => {
      res.json(
        page(
          store.live().map((s) => secretItem(vault, s)),
          req,
          query,
        ),
      );
    }),
  );

  // Key Vault lists no versions (rather than 404) for a name it does not hold.
  app.get(
    '/secrets/:name/versions',
    operation('getSecretVersions', (req, res, { query, name }) => {
      const found = store.find(name);
      const items =
        found.kind === 'found'
          ? found.value.secret.versions.map((v) => secretItem(vault, found.value.secret, v))
          : [];
      res.json(page(items, req, query));
    }),
  );

  app.put(
    '/secrets/:name',
    operation('setSecret', (req, res, { name }) => {
      const input = parse(setSecretSchema, req, res);
      if (!input) return;
      const result = store.set(name, input);
      if (result.kind === 'deleted') {
        return sendKeyVaultError(
          res,
          409,
          'Conflict',
          messages.deletedButRecoverable(name),
          'ObjectIsDeletedButRecoverable',
        );
      }
      res.json(secretBundle(vault, result.value.secret, result.value.version, true));
    }),
  );

  const getSecret = operation('getSecret', (_req, res, { name, version }) => {
    const found = store.find(name, version);
    if (found.kind !== 'found') return notFound(res, name, version);
    if (!found.value.version.enabled) {
      return sendKeyVaultError(res, 403, 'Forbidden', messages.disabled('get'), 'SecretDisabled');
    }
    res.json(secretBundle(vault, found.value.secret, found.value.version, true));
  });
  app.get('/secrets/:name', getSecret);
  app.get('/secrets/:name/:version', getSecret);

  const updateSecret = operation('updateSecret', (req, res, { name, version }) => {
    const input = parse(updateSecretSchema, req, res);
    if (!input) return;
    const updated = store.update(name, version, input);
    if (updated.kind !== 'found') return notFound(res, name, version);
    res.json(secretBundle(vault, updated.value.secret, updated.value.version, false));
  });
  app.patch('/secrets/:name', updateSecret);
  app.patch('/secrets/:name/:version', updateSecret);

  app.delete(
    '/secrets/:name',
    operation('deleteSecret', (_req, res, { name }) => {
      const deleted = store.delete(name);
      if (!deleted) return notFound(res, name);
      res.json(deletedSecretBundle(vault, deleted));
    }),
  );

  app.get(
    '/deletedsecrets',
    operation('getDeletedSecrets', (req, res, { query }) => {
      res.json(
        page(
          store.deleted().map((s) => deletedSecretItem(vault, s)),
          req,
          query,
        ),
      );
    }),
  );

  app.get(
    '/deletedsecrets/:name',
    operation('getDeletedSecret', (_req, res, { name }) => {
      const deleted = store.findDeleted(name);
      if (!deleted) return deletedNotFound(res, name);
      res.json(deletedSecretBundle(vault, deleted));
    }),
  );

  app.post(
    '/deletedsecrets/:name/recover',
    operation('recoverDeletedSecret', (_req, res, { name }) => {
      const recovered = store.recover(name);
      if (!recovered) return deletedNotFound(res, name);
      res.json(secretBundle(vault, recovered, currentVersion(recovered), false));
    }),
  );

  app.delete(
    '/deletedsecrets/:name',
    operation('purgeDeletedSecret', (_req, res, { name }) => {
      if (!store.purge(name)) return deletedNotFound(res, name);
      res.status(204).end();
    }),
  );

  const badBody: ErrorRequestHandler = (_error, _req, res, _next) => {
    sendKeyVaultError(res, 400, 'BadParameter', 'The request body is not valid JSON.');
  };
  app.use(badBody);
  return app;
}

function skipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ NextMarker: offset })).toString('base64url');
}

function readSkipToken(token: string | null): number {
  if (!token) return 0;
  try {
    const marker: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const offset = z.object({ NextMarker: z.number().int().nonnegative() }).parse(marker).NextMarker;
    return offset;
  } catch {
    return 0;
  }
}

function pathParam(req: Request, key: 'name' | 'version'): string {
  const value = req.params[key];
  return typeof value === 'string' ? value : '';
}
