// A host in front of a real atlas server that lets a test decide per request: answer it itself
// (a 403 without a token), hold it, or pass it on (method and Range forwarded, the answer written
// back unless the client has gone). Tests of what reaches the network use it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Gateway {
  url: string;
  close(): void;
}

/**
 * `pass()` forwards the request to `target` and writes the answer back, unless the client left
 * first; `edit` may change the answer's headers on the way (a host that rewrote the file).
 */
export async function gateway(
  target: string,
  handle: (req: IncomingMessage, res: ServerResponse, pass: (edit?: (headers: Record<string, string>) => void) => Promise<void>) => void,
): Promise<Gateway> {
  const server = createServer((req, res) => {
    const pass = async (edit?: (headers: Record<string, string>) => void) => {
      try {
        const r = await fetch(`${target}${req.url}`, { method: req.method, headers: req.headers.range ? { range: req.headers.range } : {} });
        const body = Buffer.from(await r.arrayBuffer());
        const headers = Object.fromEntries(r.headers);
        edit?.(headers);
        if (!res.destroyed) res.writeHead(r.status, headers).end(body);
      } catch {
        res.destroy(); // the target went away (the test closed it): the client sees a dropped connection
      }
    };
    handle(req, res, pass);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
