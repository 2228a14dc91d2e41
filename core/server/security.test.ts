/** The server's guard rails, over real HTTP and WebSocket: token, Host, Origin, limits, paths, errors. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { NodeRegistry } from '../graph/registry.js';
import { rawPost } from '../serve/test-support/raw-post.js';
import type { TensorloomServer } from './index.js';
import { call, startServer, testRegistry } from './test-support/server-fixture.js';

const API_ROUTES: [string, string][] = [
  ['GET', '/api/health'],
  ['GET', '/api/nodes'],
  ['GET', '/api/backend'],
  ['GET', '/api/pipelines'],
  ['GET', '/api/pipelines/file?path=penguins.pipeline.json'],
  ['PUT', '/api/pipelines/file?path=penguins.pipeline.json'],
  ['POST', '/api/validate'],
  ['GET', '/api/examples'],
  ['POST', '/api/runs'],
  ['GET', '/api/runs'],
  ['POST', '/api/runs/some-run/cancel'],
  ['GET', '/api/runs/some-run'],
  ['GET', '/api/runs/table'],
  ['GET', '/api/runs/compare?ids=a,b'],
  ['GET', '/api/experiments'],
  ['POST', '/api/runs/some-run/tags'],
  ['PUT', '/api/runs/some-run/note'],
  ['GET', `/api/artifacts/sha256:${'0'.repeat(64)}/preview`],
  ['GET', '/api/no-such-route'],
];

/** Answers the WebSocket handshake's HTTP status (101 when accepted). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.once('error', (error) => reject(error));
  });
}

describe('server security', () => {
  let server: TensorloomServer;
  let rendererDir: string;

  beforeAll(async () => {
    rendererDir = mkdtempSync(join(tmpdir(), 'tensorloom-renderer-'));
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Tensorloom</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("hi")');
    server = await startServer({ rendererDir });
  });
  afterAll(() => server.close());

  it('binds 127.0.0.1 with a 43-character random token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.launchUrl).toBe(`${server.url}/?token=${server.token}`);
  });

  it('answers 401 with { error } on every API route without the token, or with a wrong one', async () => {
    for (const [method, path] of API_ROUTES) {
      for (const token of [null, 'wrong-token', `${server.token}x`]) {
        const answer = await call(server, method, path, { token, ...(method === 'GET' ? {} : { body: { document: {} } }) });
        expect(answer.status, `${method} ${path} with ${token}`).toBe(401);
        expect(answer.json()).toEqual({ error: expect.stringContaining('token') });
      }
    }
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('does not accept the token in the query of API requests (it would end up in logs and history)', async () => {
    expect((await call(server, 'GET', `/api/health?token=${server.token}`, { token: null })).status).toBe(401);
  });

  it('refuses WebSocket upgrades without the right token, from a foreign Origin, or with a wrong Host', async () => {
    const base = `ws://127.0.0.1:${server.port}/api/events`;
    expect(await upgradeStatus(base)).toBe(401);
    expect(await upgradeStatus(`${base}?token=nope`)).toBe(401);
    expect(await upgradeStatus(`${base}?token=${server.token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(`${base}?token=${server.token}`, { Host: `evil.example:${server.port}` })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/elsewhere?token=${server.token}`)).toBe(404);
    expect(await upgradeStatus(`${base}?token=${server.token}`)).toBe(101);
    expect(await upgradeStatus(base, { Authorization: `Bearer ${server.token}` })).toBe(101);
    expect(await upgradeStatus(`${base}?token=${server.token}`, { Origin: `http://localhost:${server.port}` })).toBe(101);
  });

  it('swaps ?token= for an HttpOnly SameSite=Strict cookie and redirects to a URL without it', async () => {
    const first = await call(server, 'GET', `/?token=${server.token}&pipeline=penguins.pipeline.json`, { token: null });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/?pipeline=penguins.pipeline.json');
    const cookie = first.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^tl_token_${server.port}=${server.token};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const jar = cookie.split(';')[0]!;

    const page = await call(server, 'GET', '/', { token: null, headers: { cookie: jar } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Tensorloom</title>');
    const api = await call(server, 'GET', '/api/health', { token: null, headers: { cookie: `other=1; ${jar}` } });
    expect(api.status).toBe(200);
    expect((await call(server, 'GET', '/api/health', { token: null, headers: { cookie: `tl_token_${server.port}=wrong` } })).status).toBe(401);

    const stale = await call(server, 'GET', '/?token=not-the-token', { token: null });
    expect(stale.status).toBe(401);
    expect(stale.headers['set-cookie']).toBeUndefined();
    expect((await call(server, 'GET', '/', { token: null })).status).toBe(401);
    expect((await call(server, 'GET', '/assets/app.js', { token: null })).status).toBe(401);
  });

  it('serves the renderer with a strict CSP on HTML, nosniff and no-referrer everywhere, and no CORS headers', async () => {
    const page = await call(server, 'GET', '/');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self';");
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`);
    expect(page.headers['content-security-policy']).toContain("img-src 'self' data:");
    const script = await call(server, 'GET', '/assets/app.js');
    expect(script.headers['content-type']).toContain('text/javascript');
    // A client-side route gets the app; a missing file does not.
    expect((await call(server, 'GET', '/runs/123')).text).toContain('<title>Tensorloom</title>');
    expect((await call(server, 'GET', '/assets/missing.js')).status).toBe(404);
    for (const path of ['/%2e%2e/%2e%2e/etc/passwd', '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/..%5c..%5cetc%5cpasswd']) {
      const answer = await call(server, 'GET', path);
      expect(answer.text, path).not.toContain('root:');
      expect([200, 404]).toContain(answer.status);
    }
    for (const answer of [page, script, await call(server, 'GET', '/api/health', { headers: { origin: `http://127.0.0.1:${server.port}` } })]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
    const preflight = await call(server, 'OPTIONS', '/api/health', { token: null, headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(403);
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('answers 403 to a wrong Host header (DNS rebinding) and to a foreign Origin, even with the token', async () => {
    for (const host of [`evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `localhost.evil.example:${server.port}`]) {
      const answer = await call(server, 'GET', '/api/health', { headers: { host } });
      expect(answer.status, host).toBe(403);
      expect(answer.json()).toEqual({ error: expect.stringContaining('Host') });
    }
    expect((await call(server, 'GET', '/api/health', { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    const foreign = await call(server, 'POST', '/api/validate', { body: { document: {} }, headers: { origin: 'http://127.0.0.1:8080' } });
    expect(foreign.status).toBe(403);
  });

  it('refuses bodies over 5 MiB with 413 and bad JSON with 400, both as { error }', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024, 0x20);
    const tooLarge = await call(server, 'POST', '/api/validate', { raw: big });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json()).toEqual({ error: expect.stringContaining('5 MiB') });
    const chunked = await call(server, 'POST', '/api/validate', { raw: big, headers: { 'transfer-encoding': 'chunked' } });
    expect(chunked.status).toBe(413);

    const bad = await call(server, 'POST', '/api/validate', { raw: '{"document": {' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: expect.stringContaining('not valid JSON') });
    expect((await call(server, 'POST', '/api/validate', { raw: '' })).status).toBe(400);
    expect((await call(server, 'POST', '/api/validate', { body: { notADocument: 1 } })).status).toBe(400);
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('delivers the 413 to a client still sending an oversized body (read and dropped first, no reset)', async () => {
    const size = 9 * 1024 * 1024;
    const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const statuses: (number | null)[] = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push(await rawPost(server.port, '/api/validate', headers, size));
    statuses.push(await rawPost(server.port, '/api/validate', headers, size, true));
    expect(statuses).toEqual(Array.from({ length: 5 }, () => 413));
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('refuses pipeline paths that leave the workspace, absolute paths and other files with 400', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'tensorloom-outside-'));
    symlinkSync(outside, join(server.workspaceRoot, 'linked'));
    const bad = [
      '../x.pipeline.json',
      'data/../../x.pipeline.json',
      '/etc/x.pipeline.json',
      `${server.workspaceRoot}/penguins.pipeline.json`,
      'C:/x.pipeline.json',
      'data\\..\\..\\x.pipeline.json',
      './penguins.pipeline.json',
      'data//x.pipeline.json',
      'data/penguins.csv',
      '.tensorloom/x.pipeline.json',
      'linked/x.pipeline.json',
      '',
    ];
    for (const path of bad) {
      const query = `?path=${encodeURIComponent(path)}`;
      const read = await call(server, 'GET', `/api/pipelines/file${query}`);
      expect(read.status, `GET ${path}`).toBe(400);
      expect(read.json()).toEqual({ error: expect.any(String) });
      const write = await call(server, 'PUT', `/api/pipelines/file${query}`, { body: { document: { format: 'tensorloom/pipeline@1', name: 'x', nodes: [], edges: [] } } });
      expect(write.status, `PUT ${path}`).toBe(400);
      const run = await call(server, 'POST', '/api/runs', { body: { document: { format: 'tensorloom/pipeline@1', name: 'x', nodes: [], edges: [] }, path } });
      expect(run.status, `POST /api/runs ${path}`).toBe(400);
    }
    expect((await call(server, 'GET', '/api/pipelines/file')).status).toBe(400);
  });

  it('answers 404 for unknown routes and 405 for a wrong method', async () => {
    expect((await call(server, 'GET', '/api/nothing')).status).toBe(404);
    const wrong = await call(server, 'DELETE', '/api/runs');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST, GET');
  });
});

describe('server without a built renderer', () => {
  it('answers the index route with a page that says how to build the UI', async () => {
    const server = await startServer();
    try {
      const page = await call(server, 'GET', '/');
      expect(page.status).toBe(503);
      expect(page.text).toContain('npm run build:ui');
      expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    } finally {
      await server.close();
    }
  });
});

describe('server robustness', () => {
  it('survives a handler throwing: 500 { error: "internal error: …" }, logged, no stack sent; then serves on', async () => {
    class BrokenCatalog extends NodeRegistry {
      override catalog(): never {
        throw new Error('catalog exploded');
      }
    }
    const logged: string[] = [];
    const server = await startServer({ registry: new BrokenCatalog(testRegistry().all()), log: (line) => logged.push(line) });
    try {
      const answer = await call(server, 'GET', '/api/nodes');
      expect(answer.status).toBe(500);
      expect(answer.json()).toEqual({ error: 'internal error: catalog exploded' });
      expect(answer.text).not.toContain('at ');
      expect(logged.join('\n')).toContain('catalog exploded');
      expect(logged.join('\n')).toContain('security.test.ts'); // the stack stays on the server
      expect((await call(server, 'GET', '/api/health')).status).toBe(200);
      expect((await call(server, 'GET', '/api/nodes')).status).toBe(500);
      expect((await call(server, 'GET', '/api/pipelines')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses a port that is taken with EADDRINUSE, so a caller can fall back', async () => {
    const first = await startServer();
    try {
      await expect(startServer({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
