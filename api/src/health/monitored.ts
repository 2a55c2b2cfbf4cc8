import type { IntegrationStatus } from '../store/types';

/** Connected integrations: verified, failed, or waiting for consent to apply; not disconnected. */
export const MONITORED_STATUSES: readonly IntegrationStatus[] = ['verified', 'failed', 'pending'];
