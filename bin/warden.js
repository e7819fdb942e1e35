#!/usr/bin/env node
// The installed `warden` command: runs the compiled CLI (npm run build makes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write(
    'warden: dist/ is missing; run `npm run build` first (or `npx tsx src/cli/index.ts`)\n',
  );
  process.exit(2);
}
await import(entry);
