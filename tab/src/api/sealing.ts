/**
 * Reads the password from its input at submit time, seals it to the server's public key in an
 * envelope bound to this admin and `purpose` (a single-use grant the server hands out) and clears
 * the field: the plain password never enters React state.
 */
import type { SealedPasswordBody, SealingPurpose } from '../../../api/src/http/contract';
import { sealPassword } from '../../../api/src/secrets/seal-password';
import type { ApiClient } from './client';

export async function sealPasswordInput(
  api: ApiClient,
  input: HTMLInputElement,
  purpose: SealingPurpose,
): Promise<SealedPasswordBody> {
  try {
    return await sealPassword(await api.sealingKey({ purpose }), input.value);
  } finally {
    input.value = '';
  }
}
