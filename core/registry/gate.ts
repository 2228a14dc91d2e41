/**
 * Registration gates: conditions over an evaluation's metrics that a model must meet to be
 * registered. A gate is one or more checks joined by `and`:
 *
 *   accuracy >= 0.9 and rocAuc >= 0.95
 *   beats champion on accuracy by 0.005
 *   r2 > 0.8 and beats champion on rmse
 *
 * A comparison is `<metric> <op> <number>` with op one of >= > <= < == != (`=` reads as ==).
 * `beats <alias> on <metric> [by <delta>]` compares with the version that alias points at:
 * it holds when the new value is better by at least `delta` (any amount above 0 when `by`
 * is left out). Lower is better for error metrics (LOWER_IS_BETTER), higher for the rest.
 * When the alias points at nothing yet there is nothing to beat, and the check holds.
 */

export type GateOperator = '>=' | '>' | '<=' | '<' | '==' | '!=';

export type GateCheckSpec =
  | { readonly kind: 'compare'; readonly metric: string; readonly op: GateOperator; readonly value: number; readonly text: string }
  | { readonly kind: 'beats'; readonly alias: string; readonly metric: string; readonly by: number | undefined; readonly text: string };

export interface Gate {
  readonly text: string;
  readonly checks: readonly GateCheckSpec[];
}

/** Metrics where a smaller value is the better model. Every other metric: larger is better. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['rmse', 'mae', 'mse', 'logLoss', 'loss', 'valLoss', 'error']);

/** A gate that does not parse: `column` is 1-based, into the gate's text. */
export class GateSyntaxError extends Error {
  override readonly name = 'GateSyntaxError';
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(`${reason} (at column ${column})`);
  }
}

interface Token {
  readonly kind: 'word' | 'number' | 'op' | 'end';
  readonly text: string;
  readonly column: number;
}

const MAX_GATE_LENGTH = 2000;
const WORD = /^[A-Za-z_][A-Za-z0-9_.]*/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?%?/;
const OPERATOR = /^(?:>=|<=|==|!=|=|>|<)/;
const KEYWORDS = new Set(['and', 'or', 'not', 'beats', 'on', 'by']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const column = at + 1;
    const operator = OPERATOR.exec(rest);
    if (operator) {
      tokens.push({ kind: 'op', text: operator[0] === '=' ? '==' : operator[0], column });
      at += operator[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number && !/^[+-]$/.test(number[0])) {
      tokens.push({ kind: 'number', text: number[0], column });
      at += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0], column });
      at += word[0].length;
      continue;
    }
    throw new GateSyntaxError(`unexpected '${rest[0]}'`, column);
  }
  tokens.push({ kind: 'end', text: '', column: text.length + 1 });
  return tokens;
}

function numberOf(token: Token): number {
  const percent = token.text.endsWith('%');
  const value = Number(percent ? token.text.slice(0, -1) : token.text);
  return percent ? value / 100 : value;
}

const isKeyword = (token: Token, word: string) => token.kind === 'word' && token.text.toLowerCase() === word;

function describeToken(token: Token): string {
  return token.kind === 'end' ? 'the end' : `'${token.text}'`;
}

/** Parses a gate; a GateSyntaxError says what is wrong and where. */
export function parseGate(text: string): Gate {
  if (text.length > MAX_GATE_LENGTH) throw new GateSyntaxError(`a gate is at most ${MAX_GATE_LENGTH} characters`, MAX_GATE_LENGTH + 1);
  const tokens = tokenize(text);
  if (tokens.length === 1) throw new GateSyntaxError('the gate is empty; write a condition such as accuracy >= 0.9, or leave gate out', 1);
  let at = 0;
  const next = () => tokens[at++]!;
  const peek = () => tokens[at]!;
  const metricName = (token: Token, what: string): string => {
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toLowerCase())) throw new GateSyntaxError(`expected ${what}, found ${describeToken(token)}`, token.column);
    return token.text;
  };
  const checks: GateCheckSpec[] = [];
  for (;;) {
    const first = next();
    const start = first.column - 1;
    if (isKeyword(first, 'beats')) {
      const aliasToken = next();
      const alias = metricName(aliasToken, "an alias after 'beats' (e.g. beats champion on accuracy)");
      const on = next();
      if (!isKeyword(on, 'on')) throw new GateSyntaxError(`expected 'on <metric>' after 'beats ${alias}', found ${describeToken(on)}`, on.column);
      const metric = metricName(next(), `a metric after 'beats ${alias} on'`);
      let by: number | undefined;
      if (isKeyword(peek(), 'by')) {
        next();
        const amount = next();
        if (amount.kind !== 'number') throw new GateSyntaxError(`expected a number after 'by', found ${describeToken(amount)}`, amount.column);
        by = numberOf(amount);
        if (!(by >= 0)) throw new GateSyntaxError(`'by' takes an amount of 0 or more (got ${amount.text})`, amount.column);
      }
      checks.push({ kind: 'beats', alias, metric, by, text: text.slice(start, peek().column - 1).trim() });
    } else {
      const metric = metricName(first, 'a metric name or beats <alias> on <metric>');
      const op = next();
      if (op.kind !== 'op') throw new GateSyntaxError(`expected a comparison (>=, >, <=, <, ==, !=) after '${metric}', found ${describeToken(op)}`, op.column);
      const value = next();
      if (value.kind !== 'number') throw new GateSyntaxError(`expected a number after '${metric} ${op.text}', found ${describeToken(value)}`, value.column);
      checks.push({ kind: 'compare', metric, op: op.text as GateOperator, value: numberOf(value), text: text.slice(start, peek().column - 1).trim() });
    }
    const joint = next();
    if (joint.kind === 'end') break;
    if (isKeyword(joint, 'or')) throw new GateSyntaxError("'or' is not supported: a gate is checks joined by 'and'", joint.column);
    if (!isKeyword(joint, 'and')) throw new GateSyntaxError(`expected 'and' or the end of the gate, found ${describeToken(joint)}`, joint.column);
  }
  return { text: text.trim(), checks };
}

/** The metrics a gate reads, in order, without repeats. */
export function gateMetrics(gate: Gate): string[] {
  return [...new Set(gate.checks.map((check) => check.metric))];
}

/** The aliases a gate compares with, without repeats. */
export function gateAliases(gate: Gate): string[] {
  return [...new Set(gate.checks.flatMap((check) => (check.kind === 'beats' ? [check.alias] : [])))];
}

/** What a gate's `beats` checks compare with: the version an alias points at, and its metrics. */
export interface Contender {
  readonly version: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface GateCheckResult {
  readonly text: string;
  readonly holds: boolean;
  /** Why, with the numbers: `accuracy 0.962 >= 0.9`, `accuracy 0.951 vs champion v2 0.948: +0.003, needs +0.005`. */
  readonly detail: string;
}

export interface GateResult {
  readonly holds: boolean;
  readonly checks: readonly GateCheckResult[];
}

/** A metric the gate names that the evaluation did not produce. */
export class GateMetricError extends Error {
  override readonly name = 'GateMetricError';
  constructor(
    readonly metric: string,
    readonly available: readonly string[],
  ) {
    super(
      `the gate reads metric '${metric}', which the metrics input does not have; ${available.length === 0 ? 'it has no numbers' : `it has: ${available.join(', ')}`}`,
    );
  }
}

const EPSILON = 1e-12;

function show(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function compare(value: number, op: GateOperator, bound: number): boolean {
  switch (op) {
    case '>=':
      return value >= bound;
    case '>':
      return value > bound;
    case '<=':
      return value <= bound;
    case '<':
      return value < bound;
    case '==':
      return value === bound;
    case '!=':
      return value !== bound;
  }
}

/**
 * Evaluates a gate on `metrics` (the evaluation's numbers), comparing `beats` checks with
 * `contenders` (alias → the version it points at, or undefined when it points at none).
 * Throws GateMetricError for a metric the evaluation does not have: that is a mistake in
 * the pipeline, not a model that failed its gate.
 */
export function evaluateGate(gate: Gate, metrics: Readonly<Record<string, number>>, contenders: ReadonlyMap<string, Contender | undefined>): GateResult {
  const available = Object.keys(metrics).sort();
  for (const metric of gateMetrics(gate)) if (!Object.hasOwn(metrics, metric)) throw new GateMetricError(metric, available);
  const checks = gate.checks.map((check): GateCheckResult => {
    const value = metrics[check.metric]!;
    if (check.kind === 'compare') {
      const holds = compare(value, check.op, check.value);
      return { text: check.text, holds, detail: `${check.metric} ${show(value)} ${holds ? '' : 'not '}${check.op} ${show(check.value)}` };
    }
    const contender = contenders.get(check.alias);
    if (contender === undefined) return { text: check.text, holds: true, detail: `no '${check.alias}' yet: nothing to beat` };
    const theirs = contender.metrics[check.metric];
    const versus = `${check.metric} ${show(value)} vs ${check.alias} v${contender.version}`;
    if (theirs === undefined) return { text: check.text, holds: false, detail: `${check.alias} v${contender.version} has no '${check.metric}' metric to compare with` };
    const lower = LOWER_IS_BETTER.has(check.metric);
    const gain = lower ? theirs - value : value - theirs;
    const needed = check.by ?? 0;
    const holds = check.by === undefined ? gain > EPSILON : gain > 0 && gain + EPSILON >= needed;
    const signed = `${value - theirs >= 0 ? '+' : ''}${show(value - theirs)}`;
    const need = check.by === undefined ? `needs to be ${lower ? 'lower' : 'higher'}` : `needs ${lower ? 'a drop' : 'a gain'} of at least ${show(needed)}`;
    return { text: check.text, holds, detail: `${versus} ${show(theirs)}: ${signed}${holds ? '' : `, ${need}`}` };
  });
  return { holds: checks.every((check) => check.holds), checks };
}
