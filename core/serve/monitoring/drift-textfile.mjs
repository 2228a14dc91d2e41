#!/usr/bin/env node
// Turns the output of `tensorloom run <pipeline> --json` into Prometheus text for
// node_exporter's textfile collector, so alerts.rules.yml can alert on drift.
//
//   tensorloom run monitor.pipeline.json --json \
//     | node drift-textfile.mjs --pipeline penguins-monitor \
//         --out /var/lib/node_exporter/textfile_collector/tensorloom_drift_penguins.prom
//
// Every node whose metrics include `datasetDrift` (monitor.drift) gives:
//   tensorloom_dataset_drift{pipeline,node}                    0 or 1
//   tensorloom_drift_share{pipeline,node}                      share of drifted columns
//   tensorloom_drift_last_run_timestamp_seconds{pipeline,node} when this file was written
//   tensorloom_column_drift{pipeline,node,column}              0 or 1 (drifted.<column>)
//   tensorloom_column_drift_score{pipeline,node,column}        the test's statistic (score.<column>)
// --out writes FILE.tmp and renames it, so the collector never reads half a file.
// Exit 1 when the run holds no drift verdict: give monitor.drift onDrift: 'warn' in a
// monitoring pipeline, so a drifted batch still ends in a run that records the verdict.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const escape = (value) => String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (pairs) => `{${Object.entries(pairs).map(([key, value]) => `${key}="${escape(value)}"`).join(',')}}`;
const number = (value) => (value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : Number.isNaN(value) ? 'NaN' : String(value));

const FAMILIES = [
  ['tensorloom_dataset_drift', 'Dataset drift verdict of the last monitor.drift run (1 = drift).'],
  ['tensorloom_drift_share', 'Share of compared columns that drifted in the last monitor.drift run.'],
  ['tensorloom_drift_last_run_timestamp_seconds', 'When the last monitor.drift verdict was exported, seconds since the Unix epoch.'],
  ['tensorloom_column_drift', 'Per-column drift verdict of the last monitor.drift run (1 = drifted).'],
  ['tensorloom_column_drift_score', "Per-column statistic of the last monitor.drift run (a p-value or a distance, by the column's test)."],
];

/** The Prometheus text for a `tensorloom run --json` result; null when it has no drift verdict. */
export function driftText(result, pipeline, now = Date.now() / 1000) {
  const samples = new Map(FAMILIES.map(([name]) => [name, []]));
  for (const [node, metrics] of Object.entries(result.metrics ?? {})) {
    if (typeof metrics?.datasetDrift !== 'number') continue;
    const status = result.nodes?.[node]?.status;
    if (status !== undefined && status !== 'succeeded' && status !== 'cached') continue;
    const base = { pipeline, node };
    samples.get('tensorloom_dataset_drift').push(`${labels(base)} ${number(metrics.datasetDrift)}`);
    if (typeof metrics.driftShare === 'number') samples.get('tensorloom_drift_share').push(`${labels(base)} ${number(metrics.driftShare)}`);
    samples.get('tensorloom_drift_last_run_timestamp_seconds').push(`${labels(base)} ${number(Math.round(now))}`);
    for (const [key, value] of Object.entries(metrics)) {
      if (key.startsWith('drifted.')) samples.get('tensorloom_column_drift').push(`${labels({ ...base, column: key.slice(8) })} ${number(value)}`);
      else if (key.startsWith('score.')) samples.get('tensorloom_column_drift_score').push(`${labels({ ...base, column: key.slice(6) })} ${number(value)}`);
    }
  }
  if (samples.get('tensorloom_dataset_drift').length === 0) return null;
  const out = [];
  for (const [name, help] of FAMILIES) {
    const lines = samples.get(name);
    if (lines.length === 0) continue;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...lines.map((line) => name + line));
  }
  return out.join('\n') + '\n';
}

function main() {
  const { values } = parseArgs({ options: { pipeline: { type: 'string' }, out: { type: 'string' }, input: { type: 'string' } } });
  if (!values.pipeline) {
    process.stderr.write('drift-textfile: --pipeline NAME is required (the pipeline label of the metrics)\n');
    return 2;
  }
  let result;
  try {
    result = JSON.parse(readFileSync(values.input ?? 0, 'utf8'));
  } catch (error) {
    process.stderr.write(`drift-textfile: cannot read the run's JSON (${values.input ?? 'stdin'}): ${error.message}\n`);
    return 1;
  }
  const text = driftText(result, values.pipeline);
  if (text === null) {
    process.stderr.write(`drift-textfile: run ${result.runId ?? '?'} (${result.status ?? '?'}) has no monitor.drift verdict: no node with a datasetDrift metric succeeded (use onDrift: 'warn')\n`);
    return 1;
  }
  if (values.out) {
    writeFileSync(values.out + '.tmp', text);
    renameSync(values.out + '.tmp', values.out);
  } else process.stdout.write(text);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
