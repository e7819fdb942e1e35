// `warden detect` — not built yet; the owning concern replaces this file.
import type { Command } from 'commander';
import { ExitError } from '../exit-error.js';

export function register(program: Command): void {
  program
    .command('detect')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new ExitError('warden detect is not built yet');
    });
}
