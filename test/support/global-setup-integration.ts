/** The integration project's global setup: the common one, then a PostgreSQL server for the store tests. */
import globalSetup from './global-setup';
import { startServerForRun } from './postgres';

export default async function integrationGlobalSetup(): Promise<void> {
  await globalSetup();
  await startServerForRun();
}
