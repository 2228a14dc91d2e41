/**
 * Finding things worth drawing inside a metrics or report value, whatever node made it:
 * a confusion matrix, ROC curves, a validation report, and plain scalars. Shapes are
 * recognised by structure, not by node type, so new eval nodes render without UI changes.
 */
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberArray = (value: unknown): value is number[] => Array.isArray(value) && value.every((entry) => typeof entry === 'number');
const MAX_DEPTH = 5;

export interface ConfusionData {
  path: string;
  labels: string[];
  matrix: number[][];
}

export function findConfusionMatrices(value: unknown): ConfusionData[] {
  const found: ConfusionData[] = [];
  walk(value, '', (node, path) => {
    if (!isRecord(node)) return false;
    const matrix = node.matrix;
    if (Array.isArray(matrix) && matrix.length > 0 && matrix.every(isNumberArray)) {
      const size = matrix.length;
      const labels = Array.isArray(node.labels) && node.labels.length === size ? node.labels.map(String) : matrix.map((_, index) => String(index));
      if (matrix.every((row) => row.length === size)) {
        found.push({ path, labels, matrix });
        return true;
      }
    }
    return false;
  });
  return found;
}

export interface RocCurve {
  name: string;
  fpr: number[];
  tpr: number[];
  auc?: number;
}

export function findRocCurves(value: unknown): RocCurve[] {
  const curves: RocCurve[] = [];
  walk(value, '', (node, path) => {
    if (!isRecord(node) || !isNumberArray(node.fpr) || !isNumberArray(node.tpr) || node.fpr.length !== node.tpr.length) return false;
    const name = path.split('.').filter((part) => part && !/^roc$/i.test(part)).pop() ?? 'roc';
    const curve: RocCurve = { name, fpr: node.fpr, tpr: node.tpr };
    const auc = typeof node.auc === 'number' ? node.auc : areaUnder(node.fpr, node.tpr);
    if (Number.isFinite(auc)) curve.auc = auc;
    curves.push(curve);
    return true;
  });
  return curves;
}

/** Trapezoid area under a curve given as x and y arrays (sorted by x first). */
export function areaUnder(xs: number[], ys: number[]): number {
  const points = xs.map((x, index) => [x, ys[index] ?? 0] as const).sort((a, b) => a[0] - b[0]);
  let area = 0;
  for (let index = 1; index < points.length; index++) {
    const [x0, y0] = points[index - 1]!;
    const [x1, y1] = points[index]!;
    area += ((x1 - x0) * (y0 + y1)) / 2;
  }
  return area;
}

export interface ValidationRuleResult {
  name: string;
  passed: boolean;
  failing?: number;
  total?: number;
  message?: string;
  examples: unknown[];
}

export interface ValidationReport {
  passed: boolean;
  rules: ValidationRuleResult[];
}

const firstOf = (record: Record<string, unknown>, keys: string[]) => keys.map((key) => record[key]).find((value) => value !== undefined);

export function findValidationReport(value: unknown): ValidationReport | null {
  let report: ValidationReport | null = null;
  walk(value, '', (node) => {
    if (report || !isRecord(node) || !Array.isArray(node.rules)) return false;
    const rules: ValidationRuleResult[] = [];
    node.rules.forEach((raw, index) => {
      if (!isRecord(raw)) return;
      const passedRaw = firstOf(raw, ['passed', 'ok', 'pass', 'success']);
      const failingRaw = firstOf(raw, ['failing', 'failingCount', 'failed', 'failures', 'failCount', 'violations']);
      const failing = typeof failingRaw === 'number' ? failingRaw : Array.isArray(failingRaw) ? failingRaw.length : undefined;
      if (typeof passedRaw !== 'boolean' && failing === undefined) return;
      const nameRaw = firstOf(raw, ['name', 'rule', 'id', 'description', 'check']);
      const examplesRaw = firstOf(raw, ['examples', 'samples', 'failingRows', 'failingExamples', 'rows']);
      const rule: ValidationRuleResult = {
        name: typeof nameRaw === 'string' ? nameRaw : isRecord(nameRaw) ? describeRule(nameRaw) : `rule ${index + 1}`,
        passed: typeof passedRaw === 'boolean' ? passedRaw : failing === 0,
        examples: Array.isArray(examplesRaw) ? examplesRaw : Array.isArray(failingRaw) ? failingRaw : [],
      };
      if (failing !== undefined) rule.failing = failing;
      const total = firstOf(raw, ['total', 'checked', 'rows']);
      if (typeof total === 'number') rule.total = total;
      const message = firstOf(raw, ['message', 'reason', 'detail']);
      if (typeof message === 'string') rule.message = message;
      if (typeof nameRaw !== 'string' && !isRecord(nameRaw)) rule.name = describeRule(raw) || rule.name;
      rules.push(rule);
    });
    if (rules.length === 0) return false;
    const passedRaw = firstOf(node, ['passed', 'ok']);
    report = { passed: typeof passedRaw === 'boolean' ? passedRaw : rules.every((rule) => rule.passed), rules };
    return true;
  });
  return report;
}

/** A readable name for a rule given as an object: its scalar fields, `column: age, min: 0`. */
function describeRule(rule: Record<string, unknown>): string {
  const skip = new Set(['passed', 'ok', 'pass', 'success', 'failing', 'failingCount', 'failed', 'failures', 'examples', 'samples', 'failingRows', 'total', 'message']);
  return Object.entries(rule)
    .filter(([key, value]) => !skip.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'))
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(', ');
}

export interface ScalarEntry {
  key: string;
  value: number | string | boolean;
}

/** Scalars to list, `a.b` for nested ones; arrays and drawn structures are left out. */
export function scalarEntries(value: unknown, limit = 200): ScalarEntry[] {
  const entries: ScalarEntry[] = [];
  const visit = (node: unknown, prefix: string, depth: number) => {
    if (entries.length >= limit) return;
    if (typeof node === 'number' || typeof node === 'string' || typeof node === 'boolean') {
      entries.push({ key: prefix || 'value', value: node });
      return;
    }
    if (!isRecord(node) || depth > 3) return;
    if (Array.isArray(node.matrix) || (Array.isArray(node.fpr) && Array.isArray(node.tpr)) || Array.isArray(node.rules)) return;
    for (const [key, child] of Object.entries(node)) visit(child, prefix ? `${prefix}.${key}` : key, depth + 1);
  };
  visit(value, '', 0);
  return entries;
}

/** Depth-first; `match` returns true when it consumed a node (its children are not visited). */
function walk(value: unknown, path: string, match: (node: unknown, path: string) => boolean, depth = 0): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
  if (match(value, path)) return;
  if (Array.isArray(value)) {
    value.forEach((child, index) => walk(child, `${path}[${index}]`, match, depth + 1));
  } else {
    for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key, match, depth + 1);
  }
}

export interface SeriesGroup {
  title: string;
  lines: { name: string; points: { step: number; value: number }[] }[];
}

/** Puts `loss` and `val_loss` on one chart, `accuracy` and `val_accuracy` on another. */
export function groupSeries(series: Readonly<Record<string, { step: number; value: number }[]>>): SeriesGroup[] {
  const groups = new Map<string, SeriesGroup>();
  for (const [name, points] of Object.entries(series)) {
    if (points.length === 0) continue;
    const title = name.replace(/^(val|validation|train|training|test)[_.]/i, '');
    let group = groups.get(title);
    if (!group) groups.set(title, (group = { title, lines: [] }));
    group.lines.push({ name, points });
  }
  return [...groups.values()];
}

/** What deploy.container reports: an image (or only its build context) and how to use it. */
export interface ContainerImage {
  readonly tag: string;
  readonly imageId: string | null;
  readonly contextDir: string;
  readonly modelName: string;
  readonly deployment: string | null;
  readonly inferenceService: string | null;
}

export function findContainerImage(value: unknown): ContainerImage | null {
  if (!isRecord(value) || typeof value.tag !== 'string' || typeof value.contextDir !== 'string') return null;
  const manifests = isRecord(value.manifests) ? value.manifests : {};
  const labels = isRecord(value.labels) ? value.labels : {};
  const text = (item: unknown) => (typeof item === 'string' ? item : null);
  return {
    tag: value.tag,
    imageId: text(value.imageId),
    contextDir: value.contextDir,
    modelName: text(labels['io.tensorloom.model.name']) ?? 'model',
    deployment: text(manifests.deployment),
    inferenceService: text(manifests.inferenceService),
  };
}

/** One column of monitor.drift's report: its test against the threshold and both histograms. */
export interface DriftColumn {
  readonly column: string;
  readonly kind: string;
  readonly test: string | null;
  readonly statistic: number | null;
  readonly pValue?: number;
  readonly score: number | null;
  /** 'p-value': drift below the threshold; 'distance': drift at or above it. */
  readonly scoreIs: 'p-value' | 'distance' | null;
  readonly threshold: number | null;
  readonly drifted: boolean;
  readonly verdict: string;
  readonly note?: string;
  readonly histogram: { type: 'bins'; edges: number[]; reference: number[]; current: number[] } | { type: 'categories'; categories: string[]; reference: number[]; current: number[] } | null;
}

export interface DriftReport {
  readonly datasetDrift: boolean;
  readonly driftShare: number;
  readonly driftShareThreshold: number;
  readonly driftedColumns: number;
  readonly comparedColumns: number;
  /** Drifted columns first. */
  readonly columns: DriftColumn[];
}

/** A drift report (`kind: 'drift'` with per-column results), columns drifted first whatever order they came in. */
export function findDriftReport(value: unknown): DriftReport | null {
  if (!isRecord(value) || value.kind !== 'drift' || !Array.isArray(value.columns)) return null;
  const columns: DriftColumn[] = [];
  for (const raw of value.columns) {
    if (!isRecord(raw) || typeof raw.column !== 'string') continue;
    const number = (item: unknown) => (typeof item === 'number' ? item : null);
    const histogram = isRecord(raw.histogram) && isNumberArray(raw.histogram.reference) && isNumberArray(raw.histogram.current) ? (raw.histogram as unknown as DriftColumn['histogram']) : null;
    columns.push({
      column: raw.column,
      kind: String(raw.kind ?? ''),
      test: typeof raw.test === 'string' ? raw.test : null,
      statistic: number(raw.statistic),
      ...(typeof raw.pValue === 'number' ? { pValue: raw.pValue } : {}),
      score: number(raw.score),
      scoreIs: raw.scoreIs === 'p-value' || raw.scoreIs === 'distance' ? raw.scoreIs : null,
      threshold: number(raw.threshold),
      drifted: raw.drifted === true,
      verdict: String(raw.verdict ?? (raw.drifted === true ? 'drift' : 'no drift')),
      ...(typeof raw.note === 'string' ? { note: raw.note } : {}),
      histogram,
    });
  }
  const ordered = [...columns.filter((column) => column.drifted), ...columns.filter((column) => !column.drifted)];
  const count = (item: unknown, fallback: number) => (typeof item === 'number' ? item : fallback);
  return {
    datasetDrift: value.datasetDrift === true,
    driftShare: count(value.driftShare, 0),
    driftShareThreshold: count(value.driftShareThreshold, 0.5),
    driftedColumns: count(value.driftedColumns, ordered.filter((column) => column.drifted).length),
    comparedColumns: count(value.comparedColumns, ordered.length),
    columns: ordered,
  };
}
