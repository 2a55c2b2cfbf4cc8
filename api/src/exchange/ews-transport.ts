/**
 * The HTTP transport handed to ews-javascript-api: @ewsjs/xhr on our agent with a timeout. The SDK
 * keeps only the message of a failed request, so this remembers the Node error code
 * (`SELF_SIGNED_CERT_IN_CHAIN`, `ECONNREFUSED`, `ECONNABORTED` for a timeout) for the classifier.
 */
import type https from 'node:https';
import { XhrApi } from '@ewsjs/xhr';

type XhrOptions = Parameters<XhrApi['xhr']>[0];
type XhrResponse = Awaited<ReturnType<XhrApi['xhr']>>;

export class EwsTransport extends XhrApi {
  /** The code of the last request that failed below HTTP (no response at all). */
  lastNetworkErrorCode: string | undefined;

  constructor(agent: https.Agent, timeoutMs: number) {
    super({ httpsAgent: agent, timeout: timeoutMs });
  }

  override async xhr(options: XhrOptions): Promise<XhrResponse> {
    try {
      return await super.xhr(options);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      this.lastNetworkErrorCode = typeof code === 'string' ? code : undefined;
      throw error;
    }
  }
}
