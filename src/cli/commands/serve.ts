// `warden serve`: run a gateway node (and, embedded, its event consumers in a worker thread).
import type { Command } from 'commander';
import { pino } from 'pino';
import { type Config, ConfigError, loadConfig } from '../../config/config.js';
import { startGatewayNode } from '../../runtime/gateway-node.js';
import { resolveDbUrl } from '../../store/open-store.js';
import { usageError } from '../exit-error.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  db?: string;
  redis?: string;
  config?: string;
  consumers?: boolean;
  logLevel?: string;
}

export function parsePortFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`--port "${value}" is not a port number (0–65535)`);
  return port;
}

/** The config a serving command runs with: file and environment, then the flags. */
export function configFromFlags(options: ServeOptions): Config {
  let config: Config;
  try {
    config = loadConfig(options.config);
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message);
    throw error;
  }
  const port = parsePortFlag(options.port);
  if (port !== undefined) config.server.port = port;
  if (options.host) config.server.host = options.host;
  if (options.redis) config.redis = options.redis;
  if (options.db) config.db = options.db;
  if (options.consumers === false) config.consumers = false;
  if (options.logLevel) config.log_level = options.logLevel as Config['log_level'];
  return config;
}

export async function serve(options: ServeOptions): Promise<void> {
  const config = configFromFlags(options);
  const dbUrl = resolveDbUrl(config.db);
  const logger = pino({ level: config.log_level }, pino.destination(2));
  const node = await startGatewayNode({ config, dbUrl, logger });
  const lines = [
    `Warden is serving at ${node.url}  (database ${dbUrl}${config.redis ? `, redis ${config.redis}` : ''})`,
  ];
  if (node.app.hasRoute({ method: 'GET', url: '/dashboard/*' }))
    lines.push(`  dashboard:  ${node.url}/dashboard/`);
  if (node.bootstrap) {
    const { adminToken, apiKey, account } = node.bootstrap;
    lines.push(
      '',
      'First start: created these credentials. They are shown only once; keep them.',
      `  admin token:             ${adminToken}`,
      `  API key (account ${account}):  ${apiKey}`,
      '',
      'Try it:',
      `  curl ${node.url}/v1/chat/completions -H "Authorization: Bearer ${apiKey}" \\`,
      `    -H "Content-Type: application/json" -d '{"model":"demo","messages":[{"role":"user","content":"Hello!"}]}'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await node.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (OpenAI-compatible API, admin API, dashboard)')
    .option('--port <port>', 'port to listen on (default 8787, or $WARDEN_PORT)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option(
      '--db <url>',
      'database: sqlite:PATH or postgres://… (default sqlite:./data/warden.db, or $WARDEN_DB)',
    )
    .option('--redis <url>', 'Redis for global rate limits when scaled out (redis://…)')
    .option('--config <file>', 'YAML config file (or $WARDEN_CONFIG)')
    .option('--no-consumers', 'do not run the event consumers here (run `warden worker` instead)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug')
    .action(async (options: ServeOptions) => serve(options));
}
