/**
 * `POST /$batch` (JSON batching): up to 20 requests, run in parallel unless `dependsOn` orders them,
 * each through the same dispatcher as a direct call — so each counts against the per-mailbox
 * concurrency limit (a batch does not get around it). Responses come back in request order.
 */
import { z } from 'zod';
import type { SandboxContext } from '../context';
import { GraphError, graphErrors, type GraphTrace } from './errors';
import { dispatch, errorResponse } from './router';
import { ok, type GraphCaller, type GraphRequest, type GraphResponse } from './wire';

export const MAX_BATCH_REQUESTS = 20;

const itemSchema = z.object({
  id: z.string().min(1),
  method: z.string().min(1),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
const batchSchema = z.object({ requests: z.array(itemSchema) });
type BatchItem = z.infer<typeof itemSchema>;

/** A batch item's relative URL (`/users/…`, `users/…`, or an absolute one on this origin) as path and query. */
function splitUrl(ctx: SandboxContext, url: string): { path: string; query: URLSearchParams } {
  const relative = url.startsWith(ctx.urls.graph) ? url.slice(ctx.urls.graph.length) : url;
  const withSlash = relative.startsWith('/') ? relative : `/${relative}`;
  const parsed = new URL(withSlash.replace(/^\/v1\.0(?=\/)/i, ''), 'https://graph.invalid');
  return { path: parsed.pathname, query: parsed.searchParams };
}

/** The batch's items in dependency order (each after what it depends on). */
function validate(body: unknown): BatchItem[] {
  const parsed = batchSchema.safeParse(body);
  if (!parsed.success) throw graphErrors.batchInvalid('Invalid batch payload format.');
  const items = parsed.data.requests;
  if (items.length === 0) throw graphErrors.batchInvalid('Invalid batch payload format.');
  if (items.length > MAX_BATCH_REQUESTS) throw graphErrors.batchTooLarge();
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw graphErrors.batchInvalid(`Request id ${item.id} is duplicated in the batch.`);
    ids.add(item.id);
  }
  for (const item of items) {
    for (const dep of item.dependsOn ?? []) {
      if (!ids.has(dep))
        throw graphErrors.batchInvalid(`Request id ${dep} in dependsOn is not in the batch.`);
    }
  }
  return topologicalOrder(items);
}

interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export async function runBatch(
  ctx: SandboxContext,
  caller: GraphCaller,
  outer: GraphRequest,
  trace: GraphTrace,
): Promise<GraphResponse> {
  if (outer.batch) return errorResponse(graphErrors.batchInvalid('A batch cannot contain a batch.'), trace);
  let ordered: BatchItem[];
  try {
    ordered = validate(outer.body);
  } catch (error) {
    return errorResponse(
      error instanceof GraphError ? error : graphErrors.batchInvalid(String(error)),
      trace,
    );
  }
  const results = new Map<string, Promise<GraphResponse>>();
  const run = async (item: BatchItem): Promise<GraphResponse> => {
    const dependencies = await Promise.all((item.dependsOn ?? []).map((dep) => results.get(dep)!));
    if (dependencies.some((d) => d.status < 200 || d.status > 299)) {
      return errorResponse(
        new GraphError(424, 'FailedDependency', 'The request failed because a request it depends on failed.'),
        trace,
      );
    }
    const headers = Object.fromEntries(
      Object.entries(item.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    if (item.body !== undefined && !headers['content-type']) {
      return errorResponse(
        graphErrors.batchInvalid(
          `Write request id : ${item.id} does not contain Content-Type header or body.`,
        ),
        trace,
      );
    }
    const { path, query } = splitUrl(ctx, item.url);
    return dispatch(
      ctx,
      caller,
      {
        method: item.method,
        path,
        query,
        headers,
        ...(item.body !== undefined ? { body: item.body } : {}),
        batch: { requestId: trace.requestId, id: item.id },
      },
      trace,
    );
  };
  // In dependency order, so a dependency's promise exists before its dependents start.
  for (const item of ordered) results.set(item.id, run(item));
  const items = (outer.body as { requests: BatchItem[] }).requests;
  const responses = await Promise.all(items.map((item) => results.get(item.id)!));
  if (responses.some((r) => r.hang)) return { status: 0, headers: {}, hang: true };
  const answered: BatchItemResponse[] = items.map((item, i) => {
    const r = responses[i]!;
    return { id: item.id, status: r.status, headers: r.headers, body: r.raw ?? r.body };
  });
  return ok({ responses: answered });
}

/** Items ordered so each comes after what it depends on; a cycle is a bad payload. */
function topologicalOrder(items: BatchItem[]): BatchItem[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: BatchItem[] = [];
  const visit = (item: BatchItem) => {
    if (done.has(item.id)) return;
    if (visiting.has(item.id))
      throw graphErrors.batchInvalid('The dependsOn chain of the batch has a cycle.');
    visiting.add(item.id);
    for (const dep of item.dependsOn ?? []) visit(byId.get(dep)!);
    visiting.delete(item.id);
    done.add(item.id);
    order.push(item);
  };
  for (const item of items) visit(item);
  return order;
}
