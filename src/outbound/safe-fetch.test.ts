import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboundError } from './outbound-error.js';
import { safeFetch } from './safe-fetch.js';

async function refusal(url: string, options = {}): Promise<OutboundError> {
  const error = await safeFetch(url, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('safeFetch refuses non-public addresses', () => {
  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://[::1]/', '::1'],
    ['http://10.0.0.5/', '10.0.0.5'],
    ['http://172.16.3.4/', '172.16.3.4'],
    ['http://192.168.0.10/', '192.168.0.10'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[fe80::1]/', 'fe80::1'],
    ['http://[fc00::1]/', 'fc00::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://0.0.0.0/', '0.0.0.0'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.0.0.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['https://100.64.1.1/', '100.64.1.1'],
  ])('%s', async (url, address) => {
    const error = await refusal(url);
    expect(error.code).toBe('OUTBOUND_PRIVATE_ADDRESS');
    expect(error.message).toContain(address);
    expect(error.message).toContain('allowPrivate');
  });

  it('refuses localhost through the system resolver', async () => {
    expect((await refusal('http://localhost:9/')).code).toBe('OUTBOUND_PRIVATE_ADDRESS');
  });

  it('refuses a host name that resolves to a private address (checked before connecting)', async () => {
    const error = await refusal('http://internal.example/', { resolve: async () => ['10.9.9.9'] });
    expect(error.code).toBe('OUTBOUND_PRIVATE_ADDRESS');
    expect(error.message).toContain('internal.example resolves to 10.9.9.9');
  });

  it('refuses a host whose answers mix public and private addresses', async () => {
    const error = await refusal('http://mixed.example/', { resolve: async () => ['8.8.8.8', '127.0.0.1'] });
    expect(error.code).toBe('OUTBOUND_PRIVATE_ADDRESS');
  });

  it.each([
    'file:///etc/passwd',
    'ftp://example.com/',
    'gopher://x/',
    'not a url',
    'http://user:pw@example.com/',
  ])('refuses the URL %s', async (url) => {
    expect((await refusal(url)).code).toBe('OUTBOUND_BAD_URL');
  });

  it('reports a name that does not resolve', async () => {
    const error = await refusal('http://nowhere.invalid/', {
      resolve: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    expect(error.code).toBe('OUTBOUND_DNS');
  });
});

describe('safeFetch against a local server (allowPrivate)', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/hello') {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': req.headers['x-test'] ?? '' });
          res.end(`hello ${body}`);
        });
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else if (req.url === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(5000));
      } else if (req.url === '/big-chunked') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
        res.end();
      } else if (req.url === '/slow') {
        res.writeHead(200);
        res.write('partial');
        // never ends: the caller's time bound must abort
      } else if (req.url === '/silent') {
        // never answers
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('calls a loopback server when allowed, with method, headers and body', async () => {
    const res = await safeFetch(`${base}/hello`, {
      allowPrivate: true,
      method: 'POST',
      body: 'world',
      headers: { 'x-test': 'yes' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello world');
    expect(res.headers['x-echo']).toBe('yes');
    expect(res.address).toBe('127.0.0.1');
  });

  it('connects to the address it checked for a host name (pinned lookup)', async () => {
    const port = (server.address() as AddressInfo).port;
    let lookups = 0;
    const res = await safeFetch(`http://model.test:${port}/hello`, {
      allowPrivate: true,
      resolve: async () => {
        lookups++;
        return ['127.0.0.1'];
      },
    });
    expect(res.body).toBe('hello ');
    // One resolution, checked and then used for the socket: no second lookup a rebinding DNS could answer.
    expect(lookups).toBe(1);
  });

  it('refuses the same loopback server without allowPrivate, before any request', async () => {
    const before = seen.length;
    expect((await refusal(`${base}/hello`)).code).toBe('OUTBOUND_PRIVATE_ADDRESS');
    expect(seen.length).toBe(before);
  });

  it('returns a redirect as is and does not follow it', async () => {
    const before = seen.length;
    const res = await safeFetch(`${base}/redirect`, { allowPrivate: true });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://169.254.169.254/latest/meta-data/');
    expect(seen.length).toBe(before + 1);
  });

  it('aborts a response larger than maxBytes (declared length)', async () => {
    const error = await refusal(`${base}/big`, { allowPrivate: true, maxBytes: 1000 });
    expect(error.code).toBe('OUTBOUND_TOO_LARGE');
    expect(error.message).toContain('1000 bytes');
  });

  it('aborts a chunked response once it passes maxBytes', async () => {
    const error = await refusal(`${base}/big-chunked`, { allowPrivate: true, maxBytes: 2500 });
    expect(error.code).toBe('OUTBOUND_TOO_LARGE');
  });

  it('accepts a response within maxBytes', async () => {
    const res = await safeFetch(`${base}/big`, { allowPrivate: true, maxBytes: 5000 });
    expect(res.body.length).toBe(5000);
  });

  it('bounds the total time of a body that never ends', async () => {
    const error = await refusal(`${base}/slow`, { allowPrivate: true, timeoutMs: 300 });
    expect(error.code).toBe('OUTBOUND_TIMEOUT');
    expect(error.message).toContain('300 ms');
  });

  it('bounds the total time of a server that never answers', async () => {
    const error = await refusal(`${base}/silent`, { allowPrivate: true, timeoutMs: 300 });
    expect(error.code).toBe('OUTBOUND_TIMEOUT');
  });

  it('reports a refused connection as a network error', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const error = await refusal(`http://127.0.0.1:${port}/`, { allowPrivate: true });
    expect(error.code).toBe('OUTBOUND_NETWORK');
  });
});
