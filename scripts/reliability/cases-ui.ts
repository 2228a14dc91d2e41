/**
 * Category 3: the UI's local API (`tensorloom ui --no-open --port 0`, core/server/API.md):
 * requests without the token, with a wrong Host or Origin, bad JSON bodies, oversized and
 * deeply nested bodies, long file names and path traversal on the pipeline-file routes.
 */
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, copyExamples, log, nested, rawRequest, type CaseResult, type RawRequest, type RawResponse } from './lib.js';
import { expect4xx, expectNot5xx, expectStatus, runHttpCase, startServer, type HttpCase, type ServerProcess } from './servers.js';

const MiB = 1024 * 1024;
/** The oversized-body cases race an early 413 against the rest of the body: each is sent this many times. */
const OVERSIZED_REPEATS = 10;

function uiCases(server: ServerProcess & { token: string }, ws: string, outside: string): HttpCase[] {
  const { port, token } = server;
  const auth = { Authorization: `Bearer ${token}` };
  const json = { ...auth, 'Content-Type': 'application/json' };
  const post = (path: string, body: string | Buffer, extra: Partial<RawRequest> = {}): RawRequest => ({ method: 'POST', path, headers: json, body, ...extra });
  const put = (path: string, body: string | Buffer = JSON.stringify({ document: validDoc })): RawRequest => ({ method: 'PUT', path: `/api/pipelines/file?path=${path}`, headers: json, body });
  const get = (path: string, headers: Record<string, string> = auth): RawRequest => ({ method: 'GET', path, headers });
  const validDoc = { format: 'tensorloom/pipeline@1', name: 'ui', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } }], edges: [] };
  const writeDoc = (path: string) => ({
    ...validDoc,
    nodes: [...validDoc.nodes, { id: 'save', type: 'data.write', params: { path, format: 'csv' } }],
    edges: [{ from: 'load.table', to: 'save.table' }],
  });
  const invalidDoc = { format: 'tensorloom/pipeline@1', name: 'ui', nodes: [{ id: 'load', type: 'data.cvs', params: {} }], edges: [] };
  // /api/validate answers 200 { ok: false, issues } for a document with problems (API.md); a 4xx is fine too.
  const refusedOrNotOk = (response: RawResponse): string | null => {
    if (response.status !== null && response.status >= 400 && response.status < 500) return null;
    if (response.status === 200) {
      try {
        return (JSON.parse(response.body) as { ok?: boolean }).ok === false ? null : 'status 200 with ok: true for a bad document';
      } catch {
        return 'status 200 without a JSON body';
      }
    }
    return `status ${response.status}`;
  };
  const nothingOutside = (name: string) => () => (existsSync(join(outside, name)) || existsSync(join(ws, '..', name)) ? `a file was written outside the workspace (${name})` : null);
  const nothingInStore = () => {
    const store = join(ws, '.tensorloom');
    return existsSync(store) && readdirSync(store).some((entry) => entry.includes('evil')) ? 'a file was written into .tensorloom/' : null;
  };
  const noSecret = (response: RawResponse) => (/root:x:0:0|"name":\s*"tensorloom"/.test(response.body) ? 'the answer holds a file from outside the served folder' : expectNot5xx(response));
  const websocket = (headers: Record<string, string>, path = '/api/events'): RawRequest => ({
    method: 'GET',
    path,
    headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers },
  });
  // The static-file cases need the built renderer: without dist/renderer/ every page is the
  // documented 503 "not built yet" and no file path is ever looked up.
  const uiBuilt = () => (existsSync(join(REPO, 'dist', 'renderer', 'index.html')) ? null : 'the UI is not built (no dist/renderer/index.html), so the server answers every page 503 "not built yet" without looking up a file; run npm run build:ui to measure it');
  const longName = `${'n'.repeat(300)}.pipeline.json`;
  const longPath = `${Array.from({ length: 25 }, (_, index) => `${String(index).padStart(3, '0')}${'d'.repeat(200)}`).join('/')}/x.pipeline.json`;

  return [
    // Who may talk to the server
    { name: 'no token', request: { method: 'GET', path: '/api/health' }, expect: expectStatus(401) },
    { name: 'wrong bearer token', request: get('/api/health', { Authorization: 'Bearer wrong-token-wrong-token' }), expect: expectStatus(401) },
    { name: 'empty bearer token', request: get('/api/health', { Authorization: 'Bearer ' }), expect: expectStatus(401) },
    { name: 'token in the query of an API call', request: get(`/api/health?token=${token}`, {}), expect: expectStatus(401) },
    { name: 'token as Basic auth', request: get('/api/health', { Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }), expect: expectStatus(401) },
    { name: 'wrong cookie', request: get('/api/health', { Cookie: `tl_token_${port}=wrong` }), expect: expectStatus(401) },
    { name: "the token in another port's cookie", request: get('/api/health', { Cookie: `tl_token_1=${token}` }), expect: expectStatus(401) },
    { name: 'wrong Host (DNS rebinding)', request: { ...get('/api/health'), host: `evil.example:${port}` }, expect: expectStatus(403) },
    { name: 'Host with another port', request: { ...get('/api/health'), host: 'localhost:1' }, expect: expectStatus(403) },
    { name: 'no Host header', request: { ...get('/api/health'), host: null }, expect: expect4xx },
    { name: 'foreign Origin', request: get('/api/health', { ...auth, Origin: 'http://evil.example' }), expect: expectStatus(403) },
    { name: 'Origin null', request: get('/api/health', { ...auth, Origin: 'null' }), expect: expectStatus(403) },
    { name: 'Origin that extends ours', request: get('/api/health', { ...auth, Origin: `http://127.0.0.1:${port}.evil.example` }), expect: expectStatus(403) },
    { name: 'foreign Origin on a write', request: { ...put('ok.pipeline.json'), headers: { ...json, Origin: 'http://evil.example' } }, expect: expectStatus(403) },
    { name: 'Authorization header of 64 KB', request: get('/api/health', { Authorization: `Bearer ${'x'.repeat(64 * 1024)}` }), expect: expect4xx, allowNoAnswer: true },
    { name: 'WebSocket without a token', request: websocket({}), expect: expectStatus(401) },
    { name: 'WebSocket with a wrong token', request: websocket({}, '/api/events?token=wrong'), expect: expectStatus(401) },
    { name: 'WebSocket from a foreign Origin', request: websocket({ Origin: 'http://evil.example' }, `/api/events?token=${token}`), expect: expectStatus(403) },
    { name: 'the app page without a token', request: { method: 'GET', path: '/' }, expect: expectStatus(401) },
    { name: 'the app link with a wrong token', request: { method: 'GET', path: '/?token=wrong' }, expect: expectStatus(401) },
    // Bad bodies
    { name: 'validate: not JSON', request: post('/api/validate', 'not json'), expect: expectStatus(400) },
    { name: 'validate: empty body', request: post('/api/validate', ''), expect: expectStatus(400) },
    { name: 'validate: null', request: post('/api/validate', 'null'), expect: expectStatus(400) },
    { name: 'validate: a list', request: post('/api/validate', '[]'), expect: expectStatus(400) },
    { name: 'validate: document is a number', request: post('/api/validate', '{"document":5}'), expect: expectStatus(400) },
    { name: 'validate: invalid UTF-8', request: post('/api/validate', Buffer.concat([Buffer.from('{"document":{"name":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}}')])), expect: refusedOrNotOk },
    { name: 'validate: NaN and 1e400', request: post('/api/validate', '{"document":{"format":"tensorloom/pipeline@1","name":"x","nodes":[{"id":"s","type":"data.split","params":{"test":1e400,"seed":NaN}}],"edges":[]}}'), expect: refusedOrNotOk },
    { name: 'validate: an unknown node type', request: post('/api/validate', JSON.stringify({ document: invalidDoc })), expect: refusedOrNotOk },
    { name: 'validate: nodes is an object', request: post('/api/validate', JSON.stringify({ document: { ...validDoc, nodes: {} } })), expect: refusedOrNotOk },
    { name: 'validate: a node is null', request: post('/api/validate', JSON.stringify({ document: { ...validDoc, nodes: [null] } })), expect: refusedOrNotOk },
    { name: 'validate: edges with numbers', request: post('/api/validate', JSON.stringify({ document: { ...validDoc, edges: [{ from: 1, to: null }] } })), expect: refusedOrNotOk },
    { name: 'validate: params nested 5,000 levels', request: post('/api/validate', `{"document":{"format":"tensorloom/pipeline@1","name":"x","nodes":[{"id":"load","type":"data.csv","params":{"path":${nested(5000, 'array', '"a.csv"')}}}],"edges":[]}}`), expect: refusedOrNotOk },
    { name: 'validate: body nested 5,000 levels', request: post('/api/validate', `{"document":${nested(5000)}}`), expect: refusedOrNotOk },
    { name: 'validate: body nested 100,000 levels', request: post('/api/validate', `{"document":${nested(100_000)}}`), expect: refusedOrNotOk },
    { name: 'validate: 6 MB body', request: post('/api/validate', `{"document":{"name":"${'x'.repeat(6 * MiB)}"}}`), expect: expectStatus(413), repeat: OVERSIZED_REPEATS },
    { name: 'validate: 6 MB chunked body', request: post('/api/validate', `{"document":{"name":"${'x'.repeat(6 * MiB)}"}}`, { chunked: true }), expect: expectStatus(413), repeat: OVERSIZED_REPEATS },
    { name: 'validate: Content-Length of 100 MB, 10 bytes sent', request: post('/api/validate', '{"a":1}   ', { headers: { ...json, 'Content-Length': 100 * MiB } }), expect: expectStatus(413), repeat: OVERSIZED_REPEATS },
    { name: 'validate: Content-Length not a number', request: post('/api/validate', '{}', { headers: { ...json, 'Content-Length': 'abc' } }), expect: expect4xx, allowNoAnswer: true },
    { name: 'runs: an invalid pipeline', request: post('/api/runs', JSON.stringify({ document: invalidDoc })), expect: expectStatus(400) },
    { name: 'runs: until is a number', request: post('/api/runs', JSON.stringify({ document: validDoc, until: 5 })), expect: expectStatus(400) },
    { name: 'runs: until an unknown node', request: post('/api/runs', JSON.stringify({ document: validDoc, until: 'ghost' })), expect: expectStatus(400) },
    { name: 'runs: path ../ out of the workspace', request: post('/api/runs', JSON.stringify({ document: validDoc, path: '../evil.pipeline.json' })), expect: expectStatus(400) },
    { name: 'runs: path is a number', request: post('/api/runs', JSON.stringify({ document: validDoc, path: 5 })), expect: expectStatus(400) },
    {
      name: 'runs: a read path out of the workspace (refused, or the run fails)',
      request: post('/api/runs', JSON.stringify({ document: { ...validDoc, nodes: [{ id: 'load', type: 'data.csv', params: { path: '/etc/passwd' } }] } })),
      expect: expectStatus(400, 202),
      followUp: (response) => (response.status === 202 ? runEndsFailed(port, token, response.body) : Promise.resolve(null)),
    },
    {
      name: 'runs: data.write through a symlinked folder that leads out (refused, or the run fails)',
      request: post('/api/runs', JSON.stringify({ document: writeDoc('linkout/ui-written.csv') })),
      expect: expectStatus(400, 202),
      followUp: (response) => (response.status === 202 ? runEndsFailed(port, token, response.body) : Promise.resolve(null)),
      after: nothingOutside('ui-written.csv'),
    },
    {
      name: 'runs: data.write through a symlink into .tensorloom (refused, or the run fails)',
      request: post('/api/runs', JSON.stringify({ document: writeDoc('storelink/evil-run.csv') })),
      expect: expectStatus(400, 202),
      followUp: (response) => (response.status === 202 ? runEndsFailed(port, token, response.body) : Promise.resolve(null)),
      after: nothingInStore,
    },
    // Saving pipeline files: traversal, links, long names
    { name: 'save: ../ out of the workspace', request: put('../evil.pipeline.json'), after: nothingOutside('evil.pipeline.json') },
    { name: 'save: an absolute path', request: put(`${encodeURIComponent(join(outside, 'evil-abs.pipeline.json'))}`), after: nothingOutside('evil-abs.pipeline.json') },
    { name: 'save: a/../../ out', request: put('a/../../evil2.pipeline.json'), after: nothingOutside('evil2.pipeline.json') },
    { name: 'save: %2e%2e/ (encoded ..)', request: put('%2e%2e/evil3.pipeline.json'), after: nothingOutside('evil3.pipeline.json') },
    { name: 'save: ..%2f (encoded slash)', request: put('..%2fevil4.pipeline.json'), after: nothingOutside('evil4.pipeline.json') },
    { name: 'save: backslashes', request: put('a%5c..%5c..%5cevil5.pipeline.json'), after: nothingOutside('evil5.pipeline.json') },
    { name: 'save: a drive letter', request: put('C:%2fevil.pipeline.json') },
    { name: 'save: a NUL byte', request: put('a%00b.pipeline.json') },
    { name: 'save: into .tensorloom/', request: put('.tensorloom/evil.pipeline.json'), after: nothingInStore },
    { name: 'save: through a symlinked folder that leads out', request: put('linkout/evil-link.pipeline.json'), after: nothingOutside('evil-link.pipeline.json') },
    { name: 'save: through a symlink into .tensorloom', request: put('storelink/evil-store.pipeline.json'), after: nothingInStore },
    { name: 'save: over a dangling symlink that leads out', request: put('dangle.pipeline.json'), after: nothingOutside('dangle-target.pipeline.json') },
    { name: 'save: a file name of 314 characters', request: put(longName) },
    { name: 'save: a path of 5,000 characters', request: put(longPath) },
    { name: 'save: a path of 100 KB in the URL', request: put(`${'p'.repeat(100 * 1024)}.pipeline.json`), allowNoAnswer: true },
    { name: 'save: not a .pipeline.json name', request: put('notes.txt') },
    { name: "save: only '.pipeline.json'", request: put('.pipeline.json') },
    { name: 'save: over a folder', request: put('folder.pipeline.json') },
    { name: 'save: below a file', request: put('data/penguins.csv/x.pipeline.json') },
    { name: 'save: no path', request: { ...put('x'), path: '/api/pipelines/file' } },
    { name: 'save: body without document', request: put('ok.pipeline.json', '{"doc":{}}') },
    { name: 'save: a Unicode name (valid, must be saved)', request: put(encodeURIComponent('ünï-😀.pipeline.json')), expect: expectStatus(200) },
    // Reading
    { name: 'open: ../../etc/passwd', request: get('/api/pipelines/file?path=../../etc/passwd') },
    { name: 'open: through a symlinked folder that leads out', request: get('/api/pipelines/file?path=linkout/secret.pipeline.json') },
    { name: 'open: a missing file', request: get('/api/pipelines/file?path=missing.pipeline.json'), expect: expectStatus(404) },
    { name: 'open: a folder', request: get('/api/pipelines/file?path=folder.pipeline.json') },
    { name: 'runs: limit=abc', request: get('/api/runs?limit=abc'), expect: expectStatus(400) },
    { name: 'runs: limit=1e9', request: get('/api/runs?limit=1000000000'), expect: expectStatus(400) },
    { name: 'runs: a path filter out of the workspace', request: get('/api/runs?path=../x.pipeline.json'), expect: expectStatus(400) },
    { name: 'run: an unknown id', request: get('/api/runs/nonexistent'), expect: expectStatus(404) },
    { name: 'run: a malformed escape', request: get('/api/runs/%E0%A4%A'), expect: expectStatus(400) },
    { name: 'cancel: an unknown run', request: { method: 'POST', path: '/api/runs/ghost/cancel', headers: auth }, expect: expectStatus(404) },
    { name: 'preview: garbage artifact id', request: get('/api/artifacts/garbage/preview') },
    { name: 'preview: an id with ../', request: get('/api/artifacts/sha256%3A..%2F..%2F..%2Fetc%2Fpasswd/preview') },
    { name: 'preview: rows=-1', request: get(`/api/artifacts/sha256:${'0'.repeat(64)}/preview?rows=-1`) },
    { name: 'preview: type=bogus', request: get(`/api/artifacts/sha256:${'0'.repeat(64)}/preview?type=bogus`) },
    { name: 'an unknown API route', request: get('/api/nope'), expect: expectStatus(404) },
    { name: 'a wrong method', request: { method: 'DELETE', path: '/api/health', headers: auth }, expect: expectStatus(405) },
    { name: 'static: /../../etc/passwd', request: get('/../../etc/passwd'), expect: noSecret, skip: uiBuilt },
    { name: 'static: %2e%2e traversal', request: get('/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd'), expect: noSecret, skip: uiBuilt },
    { name: 'static: encoded-slash traversal to package.json', request: get('/assets/..%2f..%2f..%2fpackage.json'), expect: noSecret, skip: uiBuilt },
    { name: 'static: POST', request: post('/', '{}'), expect: expectStatus(405) },
    { name: 'a malformed request line', request: { method: 'GARBAGE', path: '/ what', host: null }, expect: expect4xx, allowNoAnswer: true },
  ];
}

/** Follows a run the API accepted: it must end 'failed' (the bad node refused), never succeed. */
async function runEndsFailed(port: number, token: string, body: string): Promise<string | null> {
  let runId: string;
  try {
    runId = (JSON.parse(body) as { runId: string }).runId;
  } catch {
    return 'a 202 without a runId';
  }
  for (let tries = 0; tries < 100; tries++) {
    const answer = await rawRequest(port, { method: 'GET', path: `/api/runs/${encodeURIComponent(runId)}`, headers: { Authorization: `Bearer ${token}` } });
    let status: string | undefined;
    try {
      status = (JSON.parse(answer.body) as { status?: string }).status;
    } catch {
      status = undefined;
    }
    if (status === 'failed') return null;
    if (status !== undefined && status !== 'running') return `the accepted run ended '${status}' (expected 'failed': the path is outside the workspace)`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return 'the accepted run did not finish within 10 s';
}

export async function uiCaseResults(root: string, outside: string): Promise<CaseResult[]> {
  const ws = copyExamples(root, 'ui');
  // Links for the traversal cases, a folder that looks like a pipeline file.
  symlinkSync(outside, join(ws, 'linkout'));
  mkdirSync(join(ws, '.tensorloom'), { recursive: true });
  symlinkSync(join(ws, '.tensorloom'), join(ws, 'storelink'));
  symlinkSync(join(outside, 'dangle-target.pipeline.json'), join(ws, 'dangle.pipeline.json'));
  mkdirSync(join(ws, 'folder.pipeline.json'));
  let server = await startUi(ws);
  // The cases hold a launch's port and token: a restarted server gets them built again.
  let cases = uiCases(server, ws, outside);
  log(`ui-api: ${cases.length} cases against ${server.url}`);
  const results: CaseResult[] = [];
  for (let index = 0; index < cases.length; index++) {
    if (!server.alive()) {
      log('ui-api: the server had exited; starting it again');
      server = await startUi(ws);
      cases = uiCases(server, ws, outside);
    }
    const health: RawRequest = { method: 'GET', path: '/api/health', headers: { Authorization: `Bearer ${server.token}` } };
    results.push(await runHttpCase('ui-api', server, cases[index]!, health));
  }
  await server.stop();
  return results;
}

async function startUi(ws: string): Promise<ServerProcess & { token: string }> {
  const server = await startServer(['ui', '--no-open', '--port', '0', '--workspace', ws], ws, /Tensorloom UI: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_%-]+)/);
  return { ...server, token: decodeURIComponent(server.match[2]!) };
}
