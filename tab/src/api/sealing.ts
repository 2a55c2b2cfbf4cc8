/**
 * Reads the password from its input at submit time, seals it to the server's public key and
 * clears the field: the plain password never enters React state.
 */
import type { SealedPasswordBody } from '../../../api/src/http/contract';
import { sealPassword } from '../../../api/src/secrets/seal-password';
import type { ApiClient } from './client';

export async function sealPasswordInput(
  api: ApiClient,
  input: HTMLInputElement,
): Promise<SealedPasswordBody> {
  const { jwk } = await api.sealingKey();
  try {
    return await sealPassword(jwk, input.value);
  } finally {
    input.value = '';
  }
}
