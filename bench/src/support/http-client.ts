/**
 * A lean HTTP/1.1 client for the load generator: node's own `http` with a keep-alive agent (as many
 * sockets as concurrent requests), JSON in and out, and a bearer token on every request. Cheap per
 * request, because on a 2-core machine the generator's CPU is taken from the server under test.
 */
import http from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
}

export interface BenchHttpClient {
  request(method: string, path: string, body?: unknown): Promise<HttpAnswer>;
  close(): void;
}

export function createHttpClient(base: string, token: string, maxSockets: number): BenchHttpClient {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const authorization = `Bearer ${token}`;
  return {
    request(method, path, body) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const headers: http.OutgoingHttpHeaders = { authorization };
        if (payload) {
          headers['content-type'] = 'application/json';
          headers['content-length'] = payload.length;
        }
        const req = http.request(
          { host: url.hostname, port: url.port, method, path, agent, headers },
          (res: http.IncomingMessage) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.once('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
            res.once('error', reject);
          },
        );
        req.once('error', reject);
        req.end(payload);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
