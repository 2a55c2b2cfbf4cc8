/** The sealed password as the tab posts it (`{kid, ciphertext}`), validated at the HTTP edge. */
import { z } from 'zod';

const base64Url = /^[A-Za-z0-9_-]+$/;

export const sealedPasswordSchema = z.strictObject({
  /** RFC 7638 thumbprint: base64url of a SHA-256 digest (43 characters). */
  kid: z.string().regex(base64Url, 'must be base64url').max(128),
  /** One RSA block: 512 bytes for a 4096-bit key is 683 base64url characters. */
  ciphertext: z.string().regex(base64Url, 'must be base64url').max(1024),
});

export type SealedPasswordInput = z.infer<typeof sealedPasswordSchema>;
