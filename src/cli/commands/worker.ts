// `warden worker`: run the event consumers (metering, detection, provenance registry) on their own, for
// the scaled-out shape where gateway nodes run `serve --no-consumers`.
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadDeploymentSecret } from '../../config/deployment-secret.js';
import { openEventLog } from '../../events/open-event-log.js';
import { startConsumers } from '../../runtime/consumers.js';
import { openStore, resolveDbUrl } from '../../store/open-store.js';
import { configFromFlags, type ServeOptions } from './serve.js';

export async function worker(options: ServeOptions): Promise<void> {
  const config = configFromFlags(options);
  const dbUrl = resolveDbUrl(config.db);
  const logger = pino({ level: config.log_level }, pino.destination(2));
  const store = await openStore(dbUrl);
  const log = openEventLog(store);
  const running = await startConsumers({
    store,
    log,
    secret: loadDeploymentSecret(dbUrl),
    config,
    onError: (consumer, error) => logger.warn({ consumer }, `consumer error: ${error.message}`),
  });
  process.stdout.write(`Warden worker consuming events from ${dbUrl}\n`);
  const shutdown = async () => {
    await running.stop();
    await log.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('run the event consumers (metering, detection, provenance) without serving HTTP')
    .option('--db <url>', 'database: sqlite:PATH or postgres://…')
    .option('--config <file>', 'YAML config file')
    .option('--log-level <level>', 'fatal|error|warn|info|debug')
    .action(async (options: ServeOptions) => worker(options));
}
