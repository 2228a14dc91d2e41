/** Serves the built renderer (Vite's output in dist/renderer/) with a strict CSP on HTML. */
import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The renderer's folder: `dist/renderer/` at the package root. This file runs from
 * `core/server/` (sources) or `dist/core/server/` (compiled, and inside the Electron app).
 */
export function defaultRendererDir(): string {
  const fromSources = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));
  const fromCompiled = fileURLToPath(new URL('../../renderer/', import.meta.url));
  const compiled = basename(fileURLToPath(new URL('../../', import.meta.url))) === 'dist';
  return compiled ? fromCompiled : fromSources;
}

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data:",
    // Never framed by another page (clickjacking), never posting forms elsewhere.
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
  ].join('; ');
}

export class StaticFiles {
  constructor(
    private readonly dir: string,
    private readonly port: number,
  ) {}

  /** Answers a GET/HEAD for a non-API path. Paths without an extension get index.html (client-side routes). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const index = join(this.dir, 'index.html');
    if (!existsSync(index)) return this.missingBuild(res);
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return this.notFound(res);
    }
    const parts = decoded.split('/').filter((part) => part !== '');
    if (parts.some((part) => part === '..' || part.includes('\\') || part.includes('\0'))) return this.notFound(res);
    let file = parts.length === 0 ? index : join(this.dir, ...parts);
    let info = statIfThere(file);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = statIfThere(file);
    }
    if (!info?.isFile()) {
      if (extname(decoded) !== '') return this.notFound(res);
      file = index;
      info = statSync(file);
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': info.size };
    if (type.startsWith('text/html')) {
      headers['Content-Security-Policy'] = contentSecurityPolicy(this.port);
      headers['Cache-Control'] = 'no-cache';
    } else if (parts[0] === 'assets') {
      // Vite names assets by content hash: they never change under the same name.
      headers['Cache-Control'] = 'private, max-age=31536000, immutable';
    } else {
      headers['Cache-Control'] = 'no-cache';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  private notFound(res: ServerResponse): void {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  }

  private missingBuild(res: ServerResponse): void {
    html(
      res,
      503,
      this.port,
      'The Tensorloom UI is not built yet',
      `<p>The server is running, but the user interface has not been built in this checkout.</p>
<p>Build it once with <code>npm run build:ui</code> (it writes <code>dist/renderer/</code>), then reload this page.</p>
<p>The API is up meanwhile: <a href="/api/health">/api/health</a>.</p>`,
    );
  }
}

/**
 * A file's stat, or undefined for any path that names no file: missing, but also too long
 * (ENAMETOOLONG), through a file (ENOTDIR), a link loop, unreadable. A URL can spell all of
 * those, and none is the server's fault.
 */
function statIfThere(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** A small self-contained HTML page (no scripts), under the same CSP as the app. */
export function html(res: ServerResponse, status: number, port: number, title: string, body: string): void {
  const text = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}code{background:#f2f2f2;padding:0 .3em;border-radius:3px}</style>
</head><body><h1>${title}</h1>
${body}
</body></html>
`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Content-Security-Policy': contentSecurityPolicy(port),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
