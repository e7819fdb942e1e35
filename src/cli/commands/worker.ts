// `warden worker`: run the event consumers (metering, detection, provenance registry) on their own, for
// the scaled-out shape where gateway nodes run `serve --no-consumers`.
import type { Command } from 'commander';
import { pino } from 'pino';
import { runConsumersOn } from '../../runtime/consumers.js';
import { resolveDbUrl } from '../../store/open-store.js';
import { configFromFlags, type ServeOptions } from './serve.js';

export async function worker(options: ServeOptions): Promise<void> {
  const config = configFromFlags(options);
  const dbUrl = resolveDbUrl(config.db);
  const logger = pino({ level: config.log_level }, pino.destination(2));
  const running = await runConsumersOn(dbUrl, config, {
    onError: (consumer, error) => logger.warn({ consumer }, `consumer error: ${error.message}`),
  });
  process.stdout.write(`Warden worker consuming events from ${dbUrl}\n`);
  const shutdown = async () => {
    await running.stop();
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
