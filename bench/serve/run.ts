/**
 * Model server benchmark: requests per second and p50/p99 latency of single-row predictions at
 * several concurrencies, for `tensorloom serve` and, in the same run, the same model shape in
 * scikit-learn served by Flask under gunicorn (bench/serve/peer_app.py).
 *
 *   npm run bench:serve [-- --duration 10 --runs 3 --concurrency 1,16,64 --peers pandas,numpy
 *                          --peer-layout split|shared --only tensorloom|peer --model BUNDLE_DIR --json
 *                          --log off|on|both --no-limit]
 *
 * `--log both` (the default) runs tensorloom serve twice: without its prediction log and access
 * log (`tensorloom`, the one compared with the peer) and with both (`tensorloom-log`: every
 * request's features, prediction and probabilities appended to JSON Lines, one JSON access line
 * on stderr), and prints the throughput ratio (issue 13's target: at most 10% lower).
 *
 * `--limit` (the default; `--no-limit` leaves it out) adds the stack's limit: a bare node:http
 * server (bench/serve/bare-server.mjs, one process like tensorloom serve) that parses the same
 * body and answers a constant, and prints Tensorloom's ratio against it (issue 17's target:
 * at least 0.8× its req/s at 16 and 64 connections, p99 at most 1.5×).
 *
 * The model is the penguins example, trained by the real CLI into a temp workspace; the peer
 * trains a Pipeline(ColumnTransformer, MLPClassifier) with the bundle's hidden layers and
 * activation on the same CSV. Every server runs as a child process and stays up for the whole
 * run; each measurement is `--warmup` seconds of unmeasured load, then `--duration` seconds
 * measured with autocannon, one connection per concurrent client, bodies cycling through the
 * CSV's rows. Rounds alternate the servers' order so machine noise spreads over all of them;
 * figures are medians over `--runs` rounds. Any non-2xx answer or socket error fails the bench.
 */
import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CLI = join(ROOT, 'cli', 'entry.ts');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const MODEL_NAME = 'penguins';
const PREDICT_PATH = `/v1/models/${MODEL_NAME}:predict`;
const READY_PATH = '/v2/health/ready';

const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16,64' },
    peers: { type: 'string', default: 'pandas,numpy' },
    'peer-layout': { type: 'string', default: 'split' },
    'peer-workers': { type: 'string', default: String(availableParallelism()) },
    'peer-threads': { type: 'string', default: '4' },
    only: { type: 'string' },
    model: { type: 'string' },
    json: { type: 'boolean', default: false },
    log: { type: 'string', default: 'both' },
    limit: { type: 'boolean', default: true },
  },
});

function positive(name: string, value: string, integer = true): number {
  const parsed = Number(value);
  if (!(parsed > 0) || (integer && !Number.isInteger(parsed))) throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number (got '${value}')`);
  return parsed;
}

const duration = positive('duration', args.duration, false);
const warmup = Number(args.warmup);
const runs = positive('runs', args.runs);
const concurrencies = args.concurrency.split(',').map((value) => positive('concurrency', value));
const peerVariants = args.peers.split(',').filter(Boolean);
const peerWorkers = positive('peer-workers', args['peer-workers']);
const peerThreads = positive('peer-threads', args['peer-threads']);
const peerLayout = args['peer-layout'];
if (peerLayout !== 'split' && peerLayout !== 'shared') throw new Error(`--peer-layout must be split or shared (got '${peerLayout}')`);
for (const variant of peerVariants) if (variant !== 'pandas' && variant !== 'numpy') throw new Error(`--peers takes pandas and/or numpy (got '${variant}')`);
if (args.only !== undefined && args.only !== 'tensorloom' && args.only !== 'peer') throw new Error(`--only takes tensorloom or peer (got '${args.only}')`);
if (!['off', 'on', 'both'].includes(args.log)) throw new Error(`--log takes off, on or both (got '${args.log}')`);

/** Progress goes to stderr, so `--json` leaves stdout to one JSON document. */
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const print = (line: string): void => void (args.json ? process.stderr : process.stdout).write(`${line}\n`);

// ---- the model -------------------------------------------------------------------------

interface Bundle {
  target: { name: string };
  classes?: string[];
  inputs: { name: string; type: 'number' | 'string' | 'boolean' | 'any' }[];
  network: { hiddenLayers: number[]; activation: string };
}

/** Trains examples/penguins.pipeline.json with the real CLI in a temp workspace; returns the bundle folder. */
function trainModel(workspace: string): string {
  cpSync(join(ROOT, 'examples'), join(workspace, 'examples'), { recursive: true });
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', join(workspace, 'examples', 'penguins.pipeline.json'), '--json', '--workspace', workspace], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`tensorloom run failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  const run = JSON.parse(result.stdout) as { outputs: { train: { model: string } } };
  const hex = run.outputs.train.model.replace(/^sha256:/, '');
  return join(workspace, '.tensorloom', 'artifacts', 'sha256', hex.slice(0, 2), hex.slice(2));
}

/** scikit-learn's names for the bundle's activations. */
const SKLEARN_ACTIVATION: Record<string, string> = { relu: 'relu', tanh: 'tanh', sigmoid: 'logistic', linear: 'identity' };

/** One pre-serialised `{"instances":[record]}` body per CSV row ("NA" and empty cells are null). */
function requestBodies(bundle: Bundle, csvPath: string): string[] {
  const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split(/\r?\n/);
  if (header === undefined || /"/.test(header + lines.join(''))) throw new Error(`${csvPath}: expected a plain CSV without quotes`);
  const columns = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const record: Record<string, string | number | null> = {};
    for (const input of bundle.inputs) {
      const cell = cells[columns.indexOf(input.name)];
      if (cell === undefined) throw new Error(`${csvPath}: no column '${input.name}'`);
      record[input.name] = cell === 'NA' || cell === '' ? null : input.type === 'number' ? Number(cell) : cell;
    }
    return JSON.stringify({ instances: [record] });
  });
}

// ---- servers ---------------------------------------------------------------------------

interface Server {
  readonly key: string;
  readonly label: string;
  /** One address per process that takes load (the split peer has several); load is spread evenly. */
  readonly urls: string[];
  /** The processes (gunicorn masters: their workers are their children) whose CPU time is counted. */
  readonly pids: number[];
  stop(): Promise<void>;
}

/** CPU seconds used so far by a process and its children (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number): number {
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node runs on
  const own = (id: string): number => {
    const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
  };
  try {
    const childrenFile = `/proc/${pid}/task/${pid}/children`;
    const kids = existsSync(childrenFile) ? readFileSync(childrenFile, 'utf8').trim().split(/\s+/).filter(Boolean) : [];
    return own(String(pid)) + kids.reduce((sum, kid) => sum + own(kid), 0);
  } catch {
    return NaN;
  }
}

/** Keeps the last lines a child wrote, to explain a failed start. */
function tail(stream: NodeJS.ReadableStream | null, keep: string[]): void {
  if (!stream) return;
  createInterface({ input: stream }).on('line', (line) => {
    keep.push(line);
    if (keep.length > 30) keep.shift();
  });
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}

async function waitReady(url: string, child: ChildProcess, lines: string[], what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (code ${child.exitCode}) before it was ready:\n${lines.join('\n')}`);
    try {
      const response = await fetch(url + READY_PATH);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} not ready after 120 s:\n${lines.join('\n')}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const children = new Set<ChildProcess>();

async function startTensorloom(bundleDir: string, logDir: string | undefined): Promise<Server> {
  const logArgs = logDir === undefined ? ['--no-log', '--no-access-log'] : ['--log-dir', logDir];
  // stderr (the access log) goes to a file, as a container runtime's log driver would take it:
  // read through a pipe by this process, it would cost the load generator a line per request.
  const stderrPath = join(mkdtempSync(join(tmpdir(), 'tensorloom-bench-stderr-')), 'stderr.log');
  const stderrFd = openSync(stderrPath, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', bundleDir, '--port', '0', '--name', MODEL_NAME, ...logArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', stderrFd],
    env: { ...process.env, NO_COLOR: '1' },
  });
  closeSync(stderrFd);
  children.add(child);
  const lines: string[] = [];
  child.once('exit', () => lines.push(...readFileSync(stderrPath, 'utf8').split('\n').slice(-30)));
  // The server prints its URL on stdout once it listens.
  const url = await new Promise<string>((done, fail) => {
    const out = createInterface({ input: child.stdout! });
    out.on('line', (line) => {
      lines.push(line);
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(line);
      if (match) done(match[0]);
    });
    child.once('exit', (code) => fail(new Error(`tensorloom serve exited (code ${code}) before printing its URL:\n${lines.join('\n')}`)));
  });
  await waitReady(url, child, lines, 'tensorloom serve');
  const key = logDir === undefined ? 'tensorloom' : 'tensorloom-log';
  const label = logDir === undefined ? 'tensorloom serve (1 process)' : 'tensorloom serve, prediction + access log';
  return { key, label, urls: [url], pids: [child.pid!], stop: () => stopChild(child) };
}

/** The limit (issue 17): a bare node:http server parsing the same body and answering a constant. */
async function startBare(): Promise<Server> {
  const child = spawn(process.execPath, [join(HERE, 'bare-server.mjs')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const lines: string[] = [];
  tail(child.stderr, lines);
  const url = await new Promise<string>((done, fail) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(line);
      if (match) done(match[0]);
    });
    child.once('exit', (code) => fail(new Error(`the bare server exited (code ${code}):\n${lines.join('\n')}`)));
  });
  await waitReady(url, child, lines, 'bare node:http server');
  return { key: 'bare', label: 'limit: bare node:http, constant answer', urls: [url], pids: [child.pid!], stop: () => stopChild(child) };
}

/**
 * The peer: `--peer-workers` gthread workers. gunicorn's workers share one listening socket and
 * a keep-alive connection stays with the worker that accepted it, which here left one worker
 * doing nearly all the work; so by default (`--peer-layout split`) each worker is its own
 * single-worker gunicorn on its own port and the load is split evenly over them, as a load
 * balancer in front would do, at no cost to the peer. `--peer-layout shared`: one gunicorn -w N.
 */
async function startPeer(bundle: Bundle, variant: string): Promise<Server> {
  const activation = SKLEARN_ACTIVATION[bundle.network.activation];
  if (!activation) throw new Error(`no scikit-learn activation for '${bundle.network.activation}'`);
  const instances = peerLayout === 'split' ? peerWorkers : 1;
  const urls: string[] = [];
  const pids: number[] = [];
  const stops: (() => Promise<void>)[] = [];
  for (let instance = 0; instance < instances; instance++) {
    const port = await freePort();
    const workers = peerLayout === 'split' ? 1 : peerWorkers;
    const child = spawn(PYTHON, ['-m', 'gunicorn', '--workers', String(workers), '--worker-class', 'gthread', '--threads', String(peerThreads), '--bind', `127.0.0.1:${port}`, '--preload', '--log-level', 'warning', '--chdir', HERE, 'peer_app:create_app()'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PEER_CSV: join(ROOT, 'examples', 'data', 'penguins.csv'),
        PEER_TARGET: bundle.target.name,
        PEER_NUMERIC: bundle.inputs.filter((input) => input.type === 'number').map((input) => input.name).join(','),
        PEER_CATEGORICAL: bundle.inputs.filter((input) => input.type !== 'number').map((input) => input.name).join(','),
        PEER_HIDDEN: bundle.network.hiddenLayers.join(','),
        PEER_ACTIVATION: activation,
        PEER_VARIANT: variant,
        // One BLAS thread per worker: the workers already fill the cores (and one row is tiny).
        OPENBLAS_NUM_THREADS: '1',
        OMP_NUM_THREADS: '1',
        PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ beside peer_app.py
      },
    });
    children.add(child);
    const lines: string[] = [];
    tail(child.stdout, lines);
    tail(child.stderr, lines);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, child, lines, `gunicorn (${variant})`);
    urls.push(url);
    pids.push(child.pid!);
    stops.push(() => stopChild(child));
  }
  const label = variant === 'pandas' ? 'scikit-learn Pipeline, pandas row' : 'scikit-learn MLP, numpy row (no pandas)';
  return { key: `peer-${variant}`, label, urls, pids, stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}

// ---- measuring -------------------------------------------------------------------------

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Cores kept busy on average: the server's processes, and this process (the load generator). */
  serverCores: number;
  clientCores: number;
}

/** One autocannon run against one address; latencies (ms, 2xx only) are appended to `latencies`. */
function cannon(url: string, bodies: string[], connections: number, seconds: number, latencies: number[]): Promise<autocannon.Result> {
  const options: autocannon.Options = {
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: bodies.map((body) => ({ method: 'POST' as const, path: PREDICT_PATH, headers: { 'content-type': 'application/json' }, body })),
  };
  return new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon(options, (error: unknown, finished: autocannon.Result) => (error ? fail(error instanceof Error ? error : new Error(String(error))) : done(finished)));
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

async function load(server: Server, bodies: string[], connections: number, seconds: number): Promise<Measurement> {
  // autocannon's own latency histogram has 1 ms resolution; sub-millisecond answers need the raw times.
  const latencies: number[] = [];
  const serverCpu = (): number => server.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const serverBefore = serverCpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  // The connections spread as evenly as they go over the server's addresses.
  const shares = server.urls.map((_, i) => Math.floor(connections / server.urls.length) + (i < connections % server.urls.length ? 1 : 0));
  const results = await Promise.all(server.urls.flatMap((url, i) => (shares[i]! > 0 ? [cannon(url, bodies, shares[i]!, seconds, latencies)] : [])));
  const elapsed = (performance.now() - started) / 1000;
  const clientUsed = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  const quantile = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const sum = (pick: (result: autocannon.Result) => number): number => results.reduce((total, result) => total + pick(result), 0);
  return {
    rps: sum((result) => result['2xx'] / result.duration),
    p50: quantile(0.5),
    p99: quantile(0.99),
    ok: sum((result) => result['2xx']),
    non2xx: sum((result) => result.non2xx),
    errors: sum((result) => result.errors),
    timeouts: sum((result) => result.timeouts),
    serverCores: (serverCpu() - serverBefore) / elapsed,
    clientCores: (clientUsed.user + clientUsed.system) / 1e6 / elapsed,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sends every body once to each server and compares the predicted labels (a sanity check, not a gate). */
async function agreement(servers: Server[], bodies: string[]): Promise<Map<string, number>> {
  const labels = new Map<string, string[]>();
  for (const server of servers) {
    const list: string[] = [];
    for (const body of bodies) {
      const response = await fetch(server.urls[list.length % server.urls.length] + PREDICT_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (response.status !== 200) throw new Error(`${server.label}: HTTP ${response.status} for ${body}: ${await response.text()}`);
      const answer = (await response.json()) as { predictions: { prediction: unknown }[] };
      list.push(String(answer.predictions[0]?.prediction));
    }
    labels.set(server.key, list);
  }
  const reference = labels.get(servers[0]!.key)!;
  return new Map(servers.slice(1).map((server) => [server.key, labels.get(server.key)!.filter((label, i) => label === reference[i]).length / reference.length]));
}

function versions(): Record<string, string> {
  const python = spawnSync(PYTHON, ['-c', 'import sys, sklearn, flask, gunicorn, pandas, numpy; from importlib.metadata import version; print(sys.version.split()[0], sklearn.__version__, version("flask"), gunicorn.__version__, pandas.__version__, numpy.__version__)'], { encoding: 'utf8' });
  const [pythonVersion = '?', sklearn = '?', flask = '?', gunicorn = '?', pandas = '?', numpy = '?'] = python.stdout.trim().split(' ');
  const autocannonVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string }).version;
  const commit = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || '?';
  return { tensorloom: commit, node: process.version, autocannon: autocannonVersion, python: pythonVersion, 'scikit-learn': sklearn, flask, gunicorn, pandas, numpy };
}

async function main(): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'tensorloom-bench-serve-'));
  const servers: Server[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    for (const child of children) child.kill('SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    let bundleDir = args.model;
    if (bundleDir === undefined) {
      say('training examples/penguins.pipeline.json with `tensorloom run` …');
      bundleDir = trainModel(workspace);
    }
    const bundle = JSON.parse(readFileSync(join(bundleDir, 'bundle.json'), 'utf8')) as Bundle;
    const bodies = requestBodies(bundle, join(ROOT, 'examples', 'data', 'penguins.csv'));
    const cores = cpus().length;
    const peerConfig =
      peerLayout === 'split'
        ? `${peerWorkers} × (gunicorn, 1 gthread worker × ${peerThreads} threads), the load split evenly; 1 BLAS thread each`
        : `gunicorn, ${peerWorkers} gthread workers × ${peerThreads} threads on one port; 1 BLAS thread each`;
    say(`model: ${bundleDir}`);
    say(`  hidden layers ${bundle.network.hiddenLayers.join('/')}, ${bundle.network.activation}, inputs ${bundle.inputs.map((input) => input.name).join(', ')}; ${bodies.length} distinct request bodies`);

    if (args.only !== 'peer' && args.log !== 'on') servers.push(await startTensorloom(bundleDir, undefined));
    if (args.only !== 'peer' && args.log !== 'off') servers.push(await startTensorloom(bundleDir, join(workspace, 'prediction-log')));
    if (args.only !== 'peer' && args.limit) servers.push(await startBare());
    if (args.only !== 'tensorloom') for (const variant of peerVariants) servers.push(await startPeer(bundle, variant));
    for (const server of servers) say(`started ${server.label} at ${server.urls.join(', ')}`);
    const predicting = servers.filter((server) => server.key !== 'bare');
    const agree = predicting.length > 1 ? await agreement(predicting, bodies) : new Map<string, number>();
    for (const [key, share] of agree) say(`  predicted labels agreeing with ${predicting[0]!.label}: ${key} ${(share * 100).toFixed(1)}%`);

    say(`${runs} rounds × ${servers.length} servers × concurrency ${concurrencies.join('/')}: ${warmup} s warm-up + ${duration} s measured each (≈ ${Math.ceil((runs * servers.length * concurrencies.length * (warmup + duration)) / 60)} min)`);
    const loadBefore = loadavg()[0]!;
    const samples = new Map<string, Measurement[]>();
    let warmupFailures = 0;
    for (let round = 0; round < runs; round++) {
      // Rotate the order each round: each server gets each slot.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
      for (const server of order) {
        for (const connections of concurrencies) {
          if (warmup > 0) {
            const warm = await load(server, bodies, connections, warmup);
            warmupFailures += warm.non2xx + warm.errors + warm.timeouts;
          }
          const measured = await load(server, bodies, connections, duration);
          const key = `${server.key}@${connections}`;
          (samples.get(key) ?? samples.set(key, []).get(key)!).push(measured);
          say(`  round ${round + 1}: ${server.key.padEnd(12)} c=${String(connections).padEnd(3)} ${measured.rps.toFixed(0).padStart(6)} req/s  p50 ${measured.p50.toFixed(2)} ms  p99 ${measured.p99.toFixed(2)} ms  CPU server ${measured.serverCores.toFixed(2)} / load gen ${measured.clientCores.toFixed(2)} cores${measured.non2xx + measured.errors + measured.timeouts > 0 ? `  non-2xx ${measured.non2xx}, errors ${measured.errors}, timeouts ${measured.timeouts}` : ''}`);
        }
      }
    }

    const summary = servers.flatMap((server) =>
      concurrencies.map((connections) => {
        const list = samples.get(`${server.key}@${connections}`)!;
        return {
          server: server.key,
          label: server.label,
          concurrency: connections,
          rps: median(list.map((m) => m.rps)),
          p50: median(list.map((m) => m.p50)),
          p99: median(list.map((m) => m.p99)),
          serverCores: median(list.map((m) => m.serverCores)),
          clientCores: median(list.map((m) => m.clientCores)),
          rounds: list,
          failures: list.reduce((sum, m) => sum + m.non2xx + m.errors + m.timeouts, 0),
        };
      }),
    );
    const find = (server: string, connections: number) => summary.find((row) => row.server === server && row.concurrency === connections);
    const ratios = concurrencies.flatMap((connections) => {
      const ours = find('tensorloom', connections);
      return peerVariants.flatMap((variant) => {
        const peer = find(`peer-${variant}`, connections);
        if (!ours || !peer) return [];
        const rps = ours.rps / peer.rps;
        const p99 = ours.p99 / peer.p99;
        return [{ peer: `peer-${variant}`, concurrency: connections, rps, p99, targetMet: rps >= 3 && p99 < 1 }];
      });
    });

    print('');
    print(`serve: single-row predictions (POST ${PREDICT_PATH}), ${duration} s per measurement after ${warmup} s warm-up, median of ${runs} rounds`);
    const loadAfter = loadavg()[0]!;
    print(`machine: ${cores} cores (${cpus()[0]?.model.trim() ?? '?'}), load average ${loadBefore.toFixed(2)} before the rounds, ${loadAfter.toFixed(2)} after; the load generator (autocannon, this process) shares the cores`);
    print(`peer: ${peerConfig}`);
    print('');
    print(`${'server'.padEnd(42)} ${'conc.'.padStart(5)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}   ${'CPU cores: server'.padStart(17)} ${'load gen'.padStart(8)}`);
    for (const row of summary) print(`${row.label.padEnd(42)} ${String(row.concurrency).padStart(5)} ${row.rps.toFixed(0).padStart(8)} ${row.p50.toFixed(2).padStart(8)} ${row.p99.toFixed(2).padStart(8)}   ${row.serverCores.toFixed(2).padStart(17)} ${row.clientCores.toFixed(2).padStart(8)}${row.failures ? `   ${row.failures} failed requests` : ''}`);
    if (ratios.length > 0) {
      print('');
      print('ratio tensorloom / peer      conc.   req/s ratio   p99 ratio   target vs the pandas peer: ≥ 3× req/s at a lower p99');
      for (const ratio of ratios) print(`${ratio.peer.padEnd(28)} ${String(ratio.concurrency).padStart(5)} ${ratio.rps.toFixed(2).padStart(12)}× ${ratio.p99.toFixed(2).padStart(10)}×   ${ratio.peer === 'peer-pandas' ? (ratio.targetMet ? 'met' : 'not met') : '(reference)'}`);
    }
    const logRatios = concurrencies.flatMap((connections) => {
      const off = find('tensorloom', connections);
      const on = find('tensorloom-log', connections);
      // Server CPU per answered request: steadier than req/s on a shared machine, since other
      // processes' load slows both servers' throughput but not the work each request costs.
      const cpu = (row: { serverCores: number; rps: number }) => (row.serverCores / row.rps) * 1e6;
      return off && on ? [{ concurrency: connections, rps: on.rps / off.rps, p99: on.p99 / off.p99, cpuOff: cpu(off), cpuOn: cpu(on), cpu: cpu(on) / cpu(off), targetMet: on.rps / off.rps >= 0.9 }] : [];
    });
    if (logRatios.length > 0) {
      print('');
      print('ratio log on / log off       conc.   req/s ratio   p99 ratio   server CPU µs/request off → on   target: at most 10% fewer req/s');
      for (const ratio of logRatios) print(`${'tensorloom-log'.padEnd(28)} ${String(ratio.concurrency).padStart(5)} ${ratio.rps.toFixed(2).padStart(12)}× ${ratio.p99.toFixed(2).padStart(10)}×   ${ratio.cpuOff.toFixed(1).padStart(8)} → ${ratio.cpuOn.toFixed(1).padStart(6)} (${ratio.cpu.toFixed(2)}×)   ${ratio.targetMet ? 'met' : 'not met'}`);
    }
    const limitRatios = concurrencies.flatMap((connections) => {
      const bare = find('bare', connections);
      return ['tensorloom', 'tensorloom-log'].flatMap((key) => {
        const ours = find(key, connections);
        return ours && bare ? [{ server: key, concurrency: connections, rps: ours.rps / bare.rps, p99: ours.p99 / bare.p99, targetMet: ours.rps / bare.rps >= 0.8 && ours.p99 / bare.p99 <= 1.5 }] : [];
      });
    });
    if (limitRatios.length > 0) {
      print('');
      print('ratio against the limit      conc.   req/s ratio   p99 ratio   target (issue 17): ≥ 0.80× the bare server\'s req/s, p99 ≤ 1.5×');
      for (const ratio of limitRatios) print(`${ratio.server.padEnd(28)} ${String(ratio.concurrency).padStart(5)} ${ratio.rps.toFixed(2).padStart(12)}× ${ratio.p99.toFixed(2).padStart(10)}×   ${ratio.targetMet ? 'met' : 'not met'}`);
    }
    const failures = summary.reduce((sum, row) => sum + row.failures, 0) + warmupFailures;
    if (args.json) {
      process.stdout.write(
        JSON.stringify(
          { date: new Date().toISOString(), machine: { cores, cpu: cpus()[0]?.model.trim() }, versions: versions(), settings: { duration, warmup, runs, concurrencies, peer: peerConfig }, loadAverage: { before: loadBefore, after: loadAfter }, agreement: Object.fromEntries(agree), summary, ratios, logRatios, limitRatios, failures },
          null,
          2,
        ) + '\n',
      );
    } else {
      const v = versions();
      print('');
      print(`versions: ${Object.entries(v).map(([name, version]) => `${name} ${version}`).join(', ')}`);
    }
    if (failures > 0) {
      say(`FAILED: ${failures} requests answered non-2xx, errored or timed out (${warmupFailures} of them during warm-ups; see the rounds above)`);
      process.exitCode = 1;
    }
  } finally {
    await stopAll();
  }
}

await main();
