// `warden serve` — not built yet; the owning concern replaces this file.
import type { Command } from 'commander';
import { ExitError } from '../exit-error.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new ExitError('warden serve is not built yet');
    });
}
