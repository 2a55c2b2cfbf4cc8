/** The app's msal-node network client on a policy that trusts `agent`'s CA, for the SDK tests. */
import type https from 'node:https';
import type { INetworkModule } from '@azure/msal-node';
import { createMsalNetworkClient as appNetworkClient } from '../../api/src/identity/network-client';
import { testPolicy } from './outbound';

export function createMsalNetworkClient(agent: https.Agent): INetworkModule {
  const ca = agent.options.ca;
  return appNetworkClient(testPolicy({ ...(typeof ca === 'string' ? { caPem: ca } : {}) }));
}
