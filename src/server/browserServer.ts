import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { ApiEnvelope } from '../shared/api/index.ts';
import { contentSecurityPolicy, sessionHeader, tokenHeader } from '../shared/security.ts';

/** `session`: the signed-in rater's session token, when the page sent one. */
export type Dispatcher = (method: unknown, request: unknown, call: { session?: string }) => Promise<ApiEnvelope<unknown>>;

export interface BrowserServerOptions {
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  dispatch: Dispatcher;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed only in tests; otherwise a fresh secret per launch. */
  token?: string;
}

export interface BrowserServer {
  /** The address to open, with the token in the fragment (fragments never reach server logs or Referer). */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1 << 20;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, JSON.stringify({ ok: false, error: { code, message } }));
}

function tokensEqual(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A URL path component decoded, or null when a `%` escape is malformed (the client's error: 400, not 500). */
function decodedPath(component: string): string | null {
  try {
    return decodeURIComponent(component);
  } catch {
    return null;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new Error(`request body over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves the built renderer and the typed API on 127.0.0.1 only. Defences: a per-launch token on every API
 * call, a Host check against DNS rebinding, an Origin check against cross-site posts, and no directory escape.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let allowedHosts = new Set<string>();

  const serveStatic = (res: ServerResponse, pathname: string): void => {
    const relative = pathname === '/' ? 'index.html' : decodedPath(pathname.slice(1));
    if (relative === null) {
      sendError(res, 400, 'bad-request', 'malformed %-escape in the path');
      return;
    }
    const file = normalize(join(options.rendererDir, relative));
    if (!file.startsWith(normalize(options.rendererDir) + sep)) {
      sendError(res, 403, 'unauthorized', 'path outside the app');
      return;
    }
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } catch {
      sendError(res, 404, 'not-found', `no such file: ${pathname}`);
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts.has(req.headers.host ?? '')) {
      sendError(res, 421, 'unauthorized', 'unexpected Host header');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 405, 'bad-request', 'method not allowed');
        return;
      }
      serveStatic(res, url.pathname);
      return;
    }
    if (req.method !== 'POST') {
      sendError(res, 405, 'bad-request', 'API calls are POST');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.has(origin.replace(/^http:\/\//, ''))) {
      sendError(res, 403, 'unauthorized', 'cross-origin request refused');
      return;
    }
    const given = req.headers[tokenHeader];
    if (!tokensEqual(typeof given === 'string' ? given : undefined, token)) {
      sendError(res, 401, 'unauthorized', 'missing or wrong session token');
      return;
    }
    let request: unknown;
    try {
      const body = await readBody(req);
      request = body.length === 0 ? {} : JSON.parse(body);
    } catch (err) {
      sendError(res, 400, 'bad-request', `unreadable request body: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const method = decodedPath(url.pathname.slice('/api/'.length));
    if (method === null) {
      sendError(res, 400, 'bad-request', 'malformed %-escape in the method name');
      return;
    }
    const session = req.headers[sessionHeader];
    const envelope = await options.dispatch(method, request, { session: typeof session === 'string' && session ? session : undefined });
    const status = envelope.ok ? 200 : envelope.error.code === 'internal' ? 500 : envelope.error.code === 'not-found' ? 404 : 400;
    send(res, status, JSON.stringify(envelope));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'internal', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.closeAllConnections();
        server.close(() => resolvePromise());
      }),
  };
}
