/**
 * The channel → bot leg: POSTs one activity to the bot's messaging endpoint with a Bot Framework
 * channel token, as Teams does, and hands back the bot's HTTP answer (invoke responses included).
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { SandboxContext } from '../context';
import { channelSigner } from './channel-signer';
import type { ChannelActivity } from './activities';

/** Teams gives up on a bot that has not answered within 15 seconds. */
const BOT_RESPONSE_TIMEOUT_MS = 15_000;

export interface BotAnswer {
  activityId: string;
  activityType: string;
  /** HTTP status from the bot; 0 when it could not be reached. */
  status: number;
  body?: unknown;
  error?: string;
}

export async function deliverToBot(
  ctx: SandboxContext,
  endpoint: string,
  activity: ChannelActivity,
  tenantId: string,
): Promise<BotAnswer> {
  const signer = await channelSigner(ctx);
  const token = await signer.sign({
    botAppId: ctx.seed.bot.appId,
    serviceUrl: activity.serviceUrl,
    nowMs: ctx.now(),
  });
  const conversation = activity.conversation as { id: string };
  const payload = JSON.stringify(activity);
  const answer = { activityId: activity.id, activityType: activity.type };
  try {
    const { status, text } = await post(ctx, endpoint, payload, {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(payload)),
      'x-ms-conversation-id': conversation.id,
      'x-ms-tenant-id': tenantId,
    });
    return { ...answer, status, ...(text ? { body: parseBody(text) } : {}) };
  } catch (error) {
    return { ...answer, status: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function post(
  ctx: SandboxContext,
  endpoint: string,
  payload: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const url = new URL(endpoint);
  const options: https.RequestOptions = { method: 'POST', headers, timeout: BOT_RESPONSE_TIMEOUT_MS };
  // The app serves the sandbox's TLS certificate in development; public CAs stay trusted too.
  if (url.protocol === 'https:') options.ca = [...tls.rootCertificates, ctx.caCertPem];
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    };
    const req =
      url.protocol === 'https:'
        ? https.request(url, options, onResponse)
        : http.request(url, options, onResponse);
    req.on('timeout', () =>
      req.destroy(new Error(`the bot did not answer within ${BOT_RESPONSE_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}
