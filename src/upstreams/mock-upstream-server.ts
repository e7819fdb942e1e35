// Test support: a small node:http server on 127.0.0.1 (port 0) that records every request and
// answers with whatever handler the test installs. Used by the upstream tests; never by the gateway.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type MockHandler = (request: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The client's port: the same port on two requests means the connection was reused. */
  remotePort: number;
  /** Resolves when the response closes: true when it closed before the handler ended it. */
  closedEarly: Promise<boolean>;
}

export interface MockUpstreamServer {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedRequest[];
  handle(handler: MockHandler): void;
  close(): Promise<void>;
}

const answerOk: MockHandler = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
};

export async function startMockUpstream(handler: MockHandler = answerOk): Promise<MockUpstreamServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const closedEarly = new Promise<boolean>((resolve) => res.on('close', () => resolve(!res.writableEnded)));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort ?? 0,
        closedEarly,
      };
      requests.push(recorded);
      void current(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A promise and the function that settles it (Promise.withResolvers is Node 22+). */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
