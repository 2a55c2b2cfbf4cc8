/** Arms the sandbox's fault injection through its control API, as the tests' one-shot faults do. */
import type { FaultRuleInput } from '../../sandbox/src/faults';
import type { TestSandbox } from './sandbox';

/** The fault hits the next matching request only, then the service answers normally again. */
export async function injectFaultOnce(
  sandbox: TestSandbox,
  rule: Omit<FaultRuleInput, 'count'>,
): Promise<void> {
  await sandbox.control('POST', '/faults', { ...rule, count: 1 });
}
