/**
 * The production entry point, App Service's startup command: `node dist/app/src/main.js`. Reads the
 * configuration from the environment, serves until SIGTERM, then stops taking requests, lets the
 * health checks and the notifier finish or hand back their work, and closes the database.
 */
import { ConfigError, loadConfig, type AppConfig } from '../../api/src/config';
import { startAppServer, type AppServer } from './server';

/** Serves with `config` until SIGTERM or SIGINT. */
export async function serve(config: AppConfig): Promise<AppServer> {
  const server = await startAppServer(config);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.graph.log.info({ signal }, 'Exchange Connect shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}

/** What an operator reads when the process cannot start: the reason, never a stack trace. */
export function startupFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const reason = error instanceof Error ? error.message : String(error);
  return `Exchange Connect could not start: ${reason}`;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => serve(loadConfig()))
    .catch((error: unknown) => {
      console.error(startupFailure(error));
      process.exit(1);
    });
}
