/**
 * Conditional params (n8n's `displayOptions.show`): a param annotated with
 * `showWhen: { strategy: ['constant'] }` applies only while `strategy` is `constant`. While
 * its rule does not hold the param is hidden: the inspector does not show it, validation
 * neither checks it nor passes it to the node (its default applies, if it has one), and so
 * it is not in the cache key either. Its value stays in the pipeline file, so switching the
 * other param back brings it back (docs/DECISIONS.md, "Conditional params").
 *
 * The rule rides on the zod schema as metadata, so it also reaches the catalog's JSON Schema
 * (`properties.value.showWhen`). The evaluation (`hiddenParamNames`) is plain data in, plain
 * data out, and the renderer runs the same function against that JSON Schema. Zod is only a
 * type import here, so the renderer's bundle can take this module.
 */
import type { z } from 'zod';

/** A rule value: what a param of the pipeline file can be compared with exactly. */
export type ShowWhenValue = string | number | boolean | null;

/**
 * Param name → the values of that param that show this one. Every named param must hold
 * one of its values (AND over names, OR within a list). A param that is not set counts as
 * its default.
 */
export type ShowWhen = Readonly<Record<string, readonly ShowWhenValue[]>>;

/** The metadata key, in zod's `.meta()` and in the JSON Schema of the params. */
export const SHOW_WHEN_KEY = 'showWhen';

/**
 * Shows `schema`'s param only while `rule` holds. Same as `.meta({ showWhen: rule })` (other
 * metadata, such as the description, is kept). The param must be optional or have a default:
 * while hidden it is left out. The rule is checked by `defineNode`.
 *
 * ```ts
 * value: showWhen(z.number().optional().describe('The fill value'), { strategy: ['constant'] }),
 * ```
 */
export function showWhen<S extends z.ZodType>(schema: S, rule: ShowWhen): S {
  return schema.meta({ [SHOW_WHEN_KEY]: rule }) as S;
}

/**
 * Which params are hidden, given each one's rule, its value as set (`undefined`: not set)
 * and its default. A param that controls another counts as its default while it is itself
 * hidden, so a chain (c shown when b is x, b shown when a is y) hides as a whole.
 */
export function hiddenParamNames(
  rules: ReadonlyMap<string, ShowWhen>,
  valueOf: (name: string) => unknown,
  defaultOf: (name: string) => unknown,
): Set<string> {
  const hidden = new Map<string, boolean>();
  const visiting = new Set<string>();
  const effective = (name: string): unknown => {
    if (isHidden(name)) return defaultOf(name);
    const value = valueOf(name);
    return value === undefined ? defaultOf(name) : value;
  };
  const isHidden = (name: string): boolean => {
    const known = hidden.get(name);
    if (known !== undefined) return known;
    const rule = rules.get(name);
    // A loop is refused by defineNode; should one arrive anyway (a hand-made catalog), show the param.
    if (!rule || visiting.has(name)) return false;
    visiting.add(name);
    const result = Object.entries(rule).some(([other, values]) => !values.some((value) => sameValue(effective(other), value)));
    visiting.delete(name);
    hidden.set(name, result);
    return result;
  };
  const names = new Set<string>();
  for (const name of rules.keys()) if (isHidden(name)) names.add(name);
  return names;
}

/** The rule of one param, for messages and the CLI listing: `strategy is 'constant'`. */
export function describeShowWhen(rule: ShowWhen): string {
  return Object.entries(rule)
    .map(([name, values]) => `${name} is ${values.map((value) => (typeof value === 'string' ? `'${value}'` : String(value))).join(' or ')}`)
    .join(' and ');
}

function sameValue(value: unknown, expected: ShowWhenValue): boolean {
  return value === expected;
}

// --- zod side: reading rules from a params schema ---

type AnySchema = z.ZodType;
type ParamsObject = z.ZodObject;

const rulesCache = new WeakMap<object, ReadonlyMap<string, ShowWhen>>();

/** The `showWhen` metadata of one param's schema, looking through optional/default/nullable/pipe wrappers. */
export function readShowWhen(schema: AnySchema): unknown {
  let current: AnySchema | undefined = schema;
  for (let depth = 0; current && depth < 32; depth++) {
    const meta = typeof current.meta === 'function' ? (current.meta() as Record<string, unknown> | undefined) : undefined;
    if (meta && Object.hasOwn(meta, SHOW_WHEN_KEY)) return meta[SHOW_WHEN_KEY];
    const def = current._zod.def as unknown as Record<string, unknown>;
    current = (def.innerType ?? def.in) as AnySchema | undefined;
  }
  return undefined;
}

/** Param name → its rule, for the params that have one. Only top-level params can be conditional. */
export function paramRules(params: ParamsObject): ReadonlyMap<string, ShowWhen> {
  const cached = rulesCache.get(params);
  if (cached) return cached;
  const rules = new Map<string, ShowWhen>();
  for (const [name, schema] of Object.entries(params.shape as Record<string, AnySchema>)) {
    const rule = readShowWhen(schema);
    if (rule !== undefined) rules.set(name, rule as ShowWhen);
  }
  rulesCache.set(params, rules);
  return rules;
}

/** The value a param takes when it is not set: its default, or undefined. */
function defaultValue(params: ParamsObject, name: string): unknown {
  const schema = (params.shape as Record<string, AnySchema | undefined>)[name];
  if (!schema) return undefined;
  try {
    const parsed = schema.safeParse(undefined);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The params with the hidden ones left out, before the schema parses them: a hidden param is
 * neither checked nor passed to the node, and its value never reaches the cache key. The
 * input is not changed; with nothing hidden it is returned as is.
 */
export function withoutHiddenParams(params: ParamsObject, values: Record<string, unknown>): { params: Record<string, unknown>; hidden: string[] } {
  const rules = paramRules(params);
  if (rules.size === 0) return { params: values, hidden: [] };
  const hiddenNames = hiddenParamNames(
    rules,
    (name) => (Object.hasOwn(values, name) ? values[name] : undefined),
    (name) => defaultValue(params, name),
  );
  if (hiddenNames.size === 0) return { params: values, hidden: [] };
  const visible: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    // defineProperty: a key such as "__proto__" must stay a plain key.
    if (!hiddenNames.has(key)) Object.defineProperty(visible, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { params: visible, hidden: [...hiddenNames] };
}

/**
 * Refuses a broken rule when the node type is declared: a rule must name other params of the
 * same node, each with a non-empty list of values that param accepts; a conditional param
 * must be optional or have a default (it is left out while hidden); rules must not loop.
 */
export function checkParamRules(where: string, params: ParamsObject): void {
  const shape = params.shape as Record<string, AnySchema>;
  const names = Object.keys(shape);
  const rules = new Map<string, ShowWhen>();
  for (const name of names) {
    const rule = readShowWhen(shape[name]!);
    if (rule === undefined) continue;
    const at = `${where}: param '${name}'`;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw new Error(`${at}: showWhen must be an object such as { strategy: ['constant'] }`);
    const entries = Object.entries(rule as Record<string, unknown>);
    if (entries.length === 0) throw new Error(`${at}: showWhen names no param; give at least one, e.g. { strategy: ['constant'] }`);
    for (const [other, values] of entries) {
      if (other === name) throw new Error(`${at}: showWhen cannot depend on the param itself`);
      if (!Object.hasOwn(shape, other)) {
        throw new Error(`${at}: showWhen names '${other}', which is not a param of this node; its params are ${names.map((known) => `'${known}'`).join(', ')}`);
      }
      if (!Array.isArray(values) || values.length === 0) throw new Error(`${at}: showWhen.${other} must be a non-empty list of values, e.g. ['constant']`);
      for (const value of values as unknown[]) {
        if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
          throw new Error(`${at}: showWhen.${other} may list only strings, numbers, booleans or null (got ${JSON.stringify(value) ?? String(value)})`);
        }
        const parsed = shape[other]!.safeParse(value);
        if (!parsed.success) {
          const reason = parsed.error.issues[0]?.message ?? 'rejected';
          throw new Error(`${at}: showWhen.${other} lists ${JSON.stringify(value)}, which param '${other}' does not accept (${reason})`);
        }
      }
    }
    if (!shape[name]!.safeParse(undefined).success) {
      throw new Error(`${at}: a param with showWhen must be optional or have a default, because it is left out while hidden`);
    }
    rules.set(name, rule as ShowWhen);
  }
  const loop = findLoop(rules);
  if (loop) throw new Error(`${where}: showWhen rules loop: ${loop.map((name) => `'${name}'`).join(' → ')}; a param cannot depend on itself, even through others`);
}

function findLoop(rules: ReadonlyMap<string, ShowWhen>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const start = path.indexOf(name);
    if (start >= 0) return [...path.slice(start), name];
    if (done.has(name)) return undefined;
    path.push(name);
    for (const other of Object.keys(rules.get(name) ?? {})) {
      const loop = visit(other);
      if (loop) return loop;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  for (const name of rules.keys()) {
    const loop = visit(name);
    if (loop) return loop;
  }
  return undefined;
}
