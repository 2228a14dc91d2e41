/**
 * The monitoring assets in core/serve/monitoring: the alerting rules pass `promtool check
 * rules` and their own `promtool test rules` cases; every metric the rules and the Grafana
 * dashboard query is one a real model server exposes on /metrics (a classifier and a
 * regressor), or one drift-textfile.mjs writes from a real `tensorloom run --json` with a
 * monitor.drift node; and the dashboard has Grafana's basics.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startModelServer, type ModelServer } from './model-server.js';
import { DEFAULT_LIMITS } from './settings.js';
import { trainExample, type TrainedExample } from './test-support/trained-model.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./monitoring/', import.meta.url));
const RULES = join(HERE, 'alerts.rules.yml');
const DASHBOARD = join(HERE, 'tensorloom-model-server.dashboard.json');
const DRIFT_SCRIPT = join(HERE, 'drift-textfile.mjs');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** promtool ships with Debian's `prometheus` package; CI images that promise it set TENSORLOOM_REQUIRE_DOCKER. */
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((path) => existsSync(path));
const REQUIRE_TOOLS = process.env.TENSORLOOM_REQUIRE_DOCKER === '1';
const NO_PROMTOOL = 'promtool is not installed (apt-get install prometheus): rule syntax and rule unit tests not checked';

interface Target {
  readonly refId: string;
  readonly expr: string;
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: Target[];
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: Panel[];
  readonly templating: { list: { name: string; type: string; query: unknown }[] };
}
interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

const PROMQL_WORDS = new Set([
  ...['sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group'],
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset'],
]);

/** Metric names a PromQL expression reads: identifiers outside strings, label matchers, ranges, grouping lists and function calls. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...stripped.matchAll(/(?<![\w$.])([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map((match) => match[1]!);
  return names.filter((name) => !PROMQL_WORDS.has(name));
}

/** Families on a /metrics page, with the series names a histogram adds. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

function dashboardExprs(dashboard: Dashboard): string[] {
  const variables = dashboard.templating.list.flatMap((variable) => {
    const query = variable.query as { query?: string } | string;
    const text = typeof query === 'string' ? query : query.query;
    const inner = text === undefined ? undefined : /^label_values\((.+),\s*\w+\)$/.exec(text)?.[1];
    return variable.type === 'query' && inner ? [inner] : [];
  });
  return [...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)), ...variables];
}

/** A dashboard expression as plain PromQL: Grafana's variables replaced by what they stand for. */
function asPromql(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$\w+/g, '.*');
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL!, args, { cwd: HERE, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { status: result.status, output: result.stdout + result.stderr };
}

const rules = parseYaml(readFileSync(RULES, 'utf8')) as RuleFile;
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const allExprs = [...rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)), ...dashboardExprs(dashboard)];
/** Drift series come from drift-textfile.mjs (node_exporter's textfile collector), not from the server. */
const DRIFT_METRIC = /^tensorloom_(dataset_drift|drift_|column_drift)/;
const DRIFT_GROUP = 'tensorloom-drift';

describe('alerting rules', () => {
  it.skipIf(!PROMTOOL && !REQUIRE_TOOLS)(`pass promtool check rules and the rule unit tests (${PROMTOOL ? 'promtool found' : NO_PROMTOOL})`, () => {
    expect(PROMTOOL, NO_PROMTOOL).toBeDefined();
    const check = promtool(['check', 'rules', RULES]);
    expect(check.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.status).toBe(0);
    const unit = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(unit.output).toMatch(/SUCCESS/);
    expect(unit.status).toBe(0);
  });

  it('alert on errors, latency and drift', () => {
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    expect(alerts).toEqual(expect.arrayContaining(['TensorloomServerErrors', 'TensorloomLatencyP99High', 'TensorloomDatasetDrift']));
  });
});

describe('Grafana dashboard', () => {
  it('has a uid, a title, a Prometheus datasource variable and panels that query through it', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.title).toBe('Tensorloom model server');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queried = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(10);
    for (const panel of queried) {
      expect(panel.title, `panel ${panel.id}`).not.toBe('');
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) {
        expect(target.refId, panel.title).toMatch(/^[A-Z]$/);
        expect(target.expr.trim(), panel.title).not.toBe('');
      }
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it('shows rate, errors, latency percentiles, the version, classes, process and drift', () => {
    const names = new Set(dashboardExprs(dashboard).flatMap(metricNames));
    for (const name of ['tensorloom_requests_total', 'tensorloom_request_duration_seconds_bucket', 'tensorloom_model_info', 'tensorloom_predictions_total', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds', 'tensorloom_dataset_drift']) {
      expect(names, name).toContain(name);
    }
  });

  it.skipIf(!PROMTOOL && !REQUIRE_TOOLS)(`queries parse as PromQL (${PROMTOOL ? 'promtool found' : NO_PROMTOOL})`, () => {
    // promtool has no offline query check: each query becomes a recording rule, which check rules parses.
    const exprs = dashboardExprs(dashboard).map(asPromql);
    const file = join(mkdtempSync(join(tmpdir(), 'tensorloom-dashboard-')), 'queries.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, k) => ({ record: `dashboard:query_${k}`, expr })) }] }));
    const check = promtool(['check', 'rules', file]);
    expect(check.output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});

describe('every metric the dashboard and the rules query is exposed', () => {
  let classifier: TrainedExample;
  let regressor: TrainedExample;
  const servers: ModelServer[] = [];
  let exposed: Set<string>;
  const pages: string[] = [];
  let driftExposed: Set<string>;
  let driftText: string;

  beforeAll(async () => {
    classifier = trainExample('penguins');
    regressor = trainExample('cars-mpg');
    exposed = new Set<string>();
    for (const example of [classifier, regressor]) {
      const server = await startModelServer({ modelDir: example.modelDir, name: 'm', version: '1', host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, shutdownGraceMs: 5000, lineage: { digest: example.modelId } });
      servers.push(server);
      const predict = (body: unknown) => fetch(server.url + '/v1/models/m:predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await predict({ instances: example.records.slice(0, 20) })).status).toBe(200);
      expect((await predict({ instances: [{ nope: 1 }] })).status).toBe(400);
      const text = await (await fetch(server.url + '/metrics')).text();
      pages.push(text);
      for (const name of exposedNames(text)) exposed.add(name);
    }

    // A real drift run: all penguins as the reference, the Gentoo rows as the current batch.
    const workspace = mkdtempSync(join(tmpdir(), 'tensorloom-drift-metrics-'));
    mkdirSync(join(workspace, 'data'));
    const csv = readFileSync(join(REPO, 'examples', 'data', 'penguins.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(workspace, 'data', 'reference.csv'), csv.join('\n') + '\n');
    writeFileSync(join(workspace, 'data', 'current.csv'), [csv[0], ...csv.slice(1).filter((line) => line.startsWith('Gentoo,'))].join('\n') + '\n');
    const at = (x: number) => ({ x, y: 0 });
    const pipeline = {
      format: 'tensorloom/pipeline@1',
      name: 'penguins-monitor',
      nodes: [
        { id: 'reference', type: 'data.csv', params: { path: 'data/reference.csv' }, position: at(0) },
        { id: 'current', type: 'data.csv', params: { path: 'data/current.csv' }, position: at(300) },
        { id: 'drift', type: 'monitor.drift', params: { target: 'species', onDrift: 'warn' }, position: at(600) },
      ],
      edges: [
        { from: 'reference.table', to: 'drift.reference' },
        { from: 'current.table', to: 'drift.current' },
      ],
    };
    writeFileSync(join(workspace, 'monitor.pipeline.json'), JSON.stringify(pipeline));
    const run = spawnSync(process.execPath, ['--import', TSX, join(REPO, 'cli', 'entry.ts'), 'run', 'monitor.pipeline.json', '--json'], { cwd: workspace, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const exported = spawnSync(process.execPath, [DRIFT_SCRIPT, '--pipeline', 'penguins-monitor'], { input: run.stdout, encoding: 'utf8' });
    expect(exported.status, exported.stderr).toBe(0);
    driftText = exported.stdout;
    driftExposed = exposedNames(driftText);
  }, 360_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('exposes process and runtime metrics under prom-client’s names', () => {
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds_bucket']) {
      expect(exposed, name).toContain(name);
    }
    for (const page of pages) {
      expect(page).toMatch(/^nodejs_gc_duration_seconds_bucket\{kind="major",le="\+Inf"\} \d+$/m);
      const started = Number(/^process_start_time_seconds (\S+)$/m.exec(page)![1]);
      expect(Math.abs(started - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
      if (PROMTOOL) {
        const check = promtool(['check', 'metrics'], page);
        expect(check.output).toBe('');
        expect(check.status).toBe(0);
      }
    }
  });

  it('the dashboard and the rules read only what the model server exposes, drift aside', () => {
    const wanted = new Set(allExprs.flatMap(metricNames).filter((name) => !DRIFT_METRIC.test(name)));
    expect(wanted.size).toBeGreaterThan(10);
    expect([...wanted].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('the drift rules and panels read only what drift-textfile.mjs writes from a real monitor.drift run', () => {
    expect(driftText).toMatch(/^tensorloom_dataset_drift\{pipeline="penguins-monitor",node="drift"\} 1$/m);
    expect(driftText).toMatch(/^tensorloom_column_drift\{pipeline="penguins-monitor",node="drift",column="bill_length_mm"\} 1$/m);
    const wanted = new Set(allExprs.flatMap(metricNames).filter((name) => DRIFT_METRIC.test(name)));
    expect(wanted.size).toBeGreaterThanOrEqual(4);
    expect([...wanted].filter((name) => !driftExposed.has(name))).toEqual([]);
    // The drift alerts sit in their own group, and the server never claims a drift metric.
    const driftGroup = rules.groups.find((group) => group.name === DRIFT_GROUP)!;
    expect(driftGroup.rules.every((rule) => metricNames(rule.expr).every((name) => DRIFT_METRIC.test(name)))).toBe(true);
    expect([...exposed].filter((name) => DRIFT_METRIC.test(name))).toEqual([]);
    if (PROMTOOL) {
      const check = promtool(['check', 'metrics'], driftText);
      expect(check.output).toBe('');
      expect(check.status).toBe(0);
    }
  });

  it('drift-textfile.mjs refuses a run without a drift verdict', () => {
    const result = spawnSync(process.execPath, [DRIFT_SCRIPT, '--pipeline', 'p'], { input: JSON.stringify({ runId: 'r', status: 'succeeded', nodes: {}, metrics: { train: { accuracy: 1 } } }), encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/has no monitor\.drift verdict/);
  });
});
