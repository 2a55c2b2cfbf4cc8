/**
 * The vault's secrets in memory: versions per name, soft delete with a 90-day retention, recover
 * and purge. Names are case-insensitive as in Key Vault. One store per sandbox context.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxContext } from '../context';

export const RECOVERABLE_DAYS = 90;
const DAY_SECONDS = 24 * 60 * 60;

export interface SecretAttributesInput {
  enabled?: boolean | undefined;
  nbf?: number | undefined;
  exp?: number | undefined;
}

export interface SecretVersion {
  readonly version: string;
  readonly value: string;
  contentType: string | undefined;
  tags: Record<string, string> | undefined;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  readonly created: number;
  updated: number;
}

export interface SecretDeletion {
  deletedDate: number;
  scheduledPurgeDate: number;
}

export interface StoredSecret {
  /** The name as first written; lookups ignore case. */
  readonly name: string;
  /** Oldest first; the last one is the current version. */
  readonly versions: SecretVersion[];
  deletion: SecretDeletion | undefined;
}

export interface SetSecretInput {
  value: string;
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  attributes?: SecretAttributesInput | undefined;
}

export interface UpdateSecretInput {
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  attributes?: SecretAttributesInput | undefined;
}

export interface SecretAndVersion {
  secret: StoredSecret;
  version: SecretVersion;
}

export type Lookup<T> = { kind: 'found'; value: T } | { kind: 'missing' } | { kind: 'deleted' };

export const currentVersion = (secret: StoredSecret): SecretVersion =>
  secret.versions[secret.versions.length - 1]!;

export class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(private readonly nowSeconds: () => number) {}

  /** A new version each call; refused while the name sits in the recycle bin. */
  set(name: string, input: SetSecretInput): Exclude<Lookup<SecretAndVersion>, { kind: 'missing' }> {
    const existing = this.secrets.get(key(name));
    if (existing?.deletion) return { kind: 'deleted' };
    const now = this.nowSeconds();
    const version: SecretVersion = {
      version: randomBytes(16).toString('hex'),
      value: input.value,
      contentType: input.contentType,
      tags: input.tags,
      enabled: input.attributes?.enabled ?? true,
      nbf: input.attributes?.nbf,
      exp: input.attributes?.exp,
      created: now,
      updated: now,
    };
    const secret = existing ?? { name, versions: [], deletion: undefined };
    secret.versions.push(version);
    this.secrets.set(key(name), secret);
    return { kind: 'found', value: { secret, version } };
  }

  /** A live secret's version; the current one when `version` is empty. */
  find(name: string, version = ''): Lookup<SecretAndVersion> {
    const secret = this.secrets.get(key(name));
    if (!secret) return { kind: 'missing' };
    if (secret.deletion) return { kind: 'deleted' };
    const found = version ? secret.versions.find((v) => v.version === version) : currentVersion(secret);
    return found ? { kind: 'found', value: { secret, version: found } } : { kind: 'missing' };
  }

  update(name: string, version: string, input: UpdateSecretInput): Lookup<SecretAndVersion> {
    const found = this.find(name, version);
    if (found.kind !== 'found') return found;
    const target = found.value.version;
    if (input.contentType !== undefined) target.contentType = input.contentType;
    if (input.tags !== undefined) target.tags = input.tags;
    if (input.attributes?.enabled !== undefined) target.enabled = input.attributes.enabled;
    if (input.attributes?.nbf !== undefined) target.nbf = input.attributes.nbf;
    if (input.attributes?.exp !== undefined) target.exp = input.attributes.exp;
    target.updated = this.nowSeconds();
    return found;
  }

  /** Live secrets ordered by name, as Key Vault pages them. */
  live(): StoredSecret[] {
    return this.sorted().filter((s) => !s.deletion);
  }

  deleted(): StoredSecret[] {
    return this.sorted().filter((s) => s.deletion);
  }

  /** Soft delete: the secret moves to the recycle bin with every version. */
  delete(name: string): StoredSecret | undefined {
    const found = this.find(name);
    if (found.kind !== 'found') return undefined;
    const deletedDate = this.nowSeconds();
    found.value.secret.deletion = {
      deletedDate,
      scheduledPurgeDate: deletedDate + RECOVERABLE_DAYS * DAY_SECONDS,
    };
    return found.value.secret;
  }

  findDeleted(name: string): StoredSecret | undefined {
    const secret = this.secrets.get(key(name));
    return secret?.deletion ? secret : undefined;
  }

  recover(name: string): StoredSecret | undefined {
    const secret = this.findDeleted(name);
    if (secret) secret.deletion = undefined;
    return secret;
  }

  purge(name: string): boolean {
    return this.findDeleted(name) ? this.secrets.delete(key(name)) : false;
  }

  private sorted(): StoredSecret[] {
    return [...this.secrets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }
}

const key = (name: string) => name.toLowerCase();

const stores = new WeakMap<SandboxContext, SecretStore>();

/** The vault of one sandbox context, so parallel sandboxes never share secrets. */
export function secretStoreFor(ctx: SandboxContext): SecretStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new SecretStore(() => Math.floor(ctx.now() / 1000));
    stores.set(ctx, store);
  }
  return store;
}
