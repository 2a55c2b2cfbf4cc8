/** What a promise that should fail was rejected with, checked before the test looks closer. */
import { isExchangeConnectError, type ExchangeConnectError } from '../../api/src/errors';

/** The rejection, asserted to be an instance of `type`; a promise that resolves fails the assertion. */
export async function rejectedWith<T>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

/** The ExchangeConnectError a promise rejected with; success or any other error fails the test as it is. */
export async function exchangeFailure(promise: Promise<unknown>): Promise<ExchangeConnectError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  if (!isExchangeConnectError(outcome.error)) throw outcome.error;
  return outcome.error;
}
