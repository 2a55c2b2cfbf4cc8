/** The integration project's global teardown: stops the PostgreSQL server its setup started. */
import { stopServerForRun } from './postgres';

export default async function integrationGlobalTeardown(): Promise<void> {
  await stopServerForRun();
}
