/** The outbound policy as tests build it: the sandbox CA, and development switches where a test says so. */
import { OutboundPolicy, type OutboundPolicyOptions } from '../../api/src/outbound/policy';
import { hostMapFrom } from '../../api/src/outbound/host-mapping';
import type { HostResolver } from '../../api/src/outbound/endpoint-policy';

export interface TestPolicyOptions {
  caPem?: string;
  dangerouslyAllowPrivateHosts?: boolean;
  dangerouslyResolveHosts?: Record<string, string>;
  dangerouslySkipKeyVaultResourceCheck?: boolean;
  limits?: OutboundPolicyOptions['limits'];
  resolveHost?: HostResolver;
}

export function testPolicy(options: TestPolicyOptions = {}): OutboundPolicy {
  return new OutboundPolicy({
    ...(options.caPem ? { caPem: options.caPem } : {}),
    dangerouslyAllowPrivateHosts: options.dangerouslyAllowPrivateHosts ?? false,
    dangerouslyResolveHosts: hostMapFrom(options.dangerouslyResolveHosts),
    dangerouslySkipKeyVaultResourceCheck: options.dangerouslySkipKeyVaultResourceCheck ?? false,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
  });
}
