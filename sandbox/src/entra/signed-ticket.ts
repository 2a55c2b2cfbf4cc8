/**
 * Carries the picked account between the sign-in and consent pages in a form field, HMAC-signed
 * and bound to the consent request, so a posted form cannot name another user or request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

const TICKET_LIFETIME_MS = 10 * 60 * 1000;

const ticketSchema = z.object({
  userId: z.string(),
  tenantId: z.string(),
  /** The consent request the ticket belongs to (client, scope, redirect URI, state). */
  request: z.string(),
  expiresAtMs: z.number(),
});
export type Ticket = z.infer<typeof ticketSchema>;

export class TicketSigner {
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number) {}

  sign(ticket: Omit<Ticket, 'expiresAtMs'>): string {
    const payload = Buffer.from(JSON.stringify({ ...ticket, expiresAtMs: this.now() + TICKET_LIFETIME_MS }));
    return `${payload.toString('base64url')}.${this.mac(payload).toString('base64url')}`;
  }

  /** The ticket when its signature holds, it has not expired and it belongs to `request`. */
  verify(value: string | undefined, request: string): Ticket | undefined {
    const [payloadPart, macPart] = (value ?? '').split('.');
    if (!payloadPart || !macPart) return undefined;
    const payload = Buffer.from(payloadPart, 'base64url');
    const expected = this.mac(payload);
    const given = Buffer.from(macPart, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const parsed = ticketSchema.safeParse(JSON.parse(payload.toString('utf8')));
    if (!parsed.success || parsed.data.request !== request || parsed.data.expiresAtMs <= this.now())
      return undefined;
    return parsed.data;
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}
