// Serves the built dashboard (web/dist) under /dashboard with strict security headers. The single-page
// app's routes fall back to index.html.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Sent with every dashboard file. The app is one bundled script and one stylesheet from this origin:
 * no inline script or style, no eval, no framing, no form posts (forms are handled in script and send
 * the admin token only in the Authorization header, so there is no cookie and no CSRF surface).
 */
export const DASHBOARD_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

export function serveDashboard(app: FastifyInstance, dir: string): void {
  const root = normalize(dir);
  const send = (path: string, reply: import('fastify').FastifyReply) => {
    reply.headers(DASHBOARD_SECURITY_HEADERS);
    reply.header('content-type', TYPES[extname(path)] ?? 'application/octet-stream');
    reply.header(
      'cache-control',
      path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return reply.send(readFileSync(path));
  };
  app.get('/', async (_request, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard', async (_request, reply) => reply.redirect('/dashboard/'));
  app.get('/dashboard/*', async (request, reply) => {
    const rest = (request.params as { '*': string })['*'] ?? '';
    const candidate = normalize(join(root, rest));
    if (candidate.startsWith(root + sep) && existsSync(candidate) && statSync(candidate).isFile())
      return send(candidate, reply);
    return send(join(root, 'index.html'), reply);
  });
}
