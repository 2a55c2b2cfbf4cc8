/** The app's msal-node network client (an `https.Agent({ ca })` transport), re-exported for the SDK tests. */
export { createMsalNetworkClient } from '../../api/src/identity/network-client';
