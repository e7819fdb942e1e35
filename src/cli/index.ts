#!/usr/bin/env node
// The `warden` entry point: the only place that exits.
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// Long-running commands (serve, worker) never resolve here; the rest exit with their code.
process.exitCode = code;
if (code !== 0) process.exit(code);
