/**
 * Reading a node's params JSON Schema (what core's zod schemas become) into form fields.
 * Anything this does not recognise is edited as JSON, so no param is ever out of reach.
 */
import { hiddenParamNames, type ShowWhen } from '../../../core/base/show-when.js';

export type JsonSchema = Record<string, unknown>;

export type FieldKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'number-list'
  | 'string-list'
  | 'enum-list'
  /** Items of several scalar types (`string | number | boolean`): typed as text, read back by what they look like. */
  | 'scalar-list'
  | 'object-list'
  | 'object'
  | 'json';

export interface FieldInfo {
  kind: FieldKind;
  schema: JsonSchema;
  nullable: boolean;
  description?: string;
  title?: string;
  default?: unknown;
  hasDefault: boolean;
  enumValues?: unknown[];
  item?: FieldInfo;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

export interface PropertyInfo {
  name: string;
  required: boolean;
  field: FieldInfo;
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Follows a local `$ref` (`#/$defs/Rule`) against the root schema. */
export function resolve(schema: unknown, root: JsonSchema): JsonSchema {
  let current = isSchema(schema) ? schema : {};
  for (let depth = 0; depth < 16 && typeof current.$ref === 'string'; depth++) {
    const target = current.$ref.startsWith('#/')
      ? current.$ref
          .slice(2)
          .split('/')
          .reduce<unknown>((node, key) => (isSchema(node) ? node[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root)
      : undefined;
    const { $ref: _ref, ...rest } = current;
    current = { ...(isSchema(target) ? target : {}), ...rest };
  }
  return current;
}

function typeList(schema: JsonSchema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((entry): entry is string => typeof entry === 'string');
  return [];
}

export function describeField(raw: unknown, root: JsonSchema): FieldInfo {
  let schema = resolve(raw, root);
  let nullable = false;
  const outer = schema;

  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (union) {
    const members = union.map((member) => resolve(member, root));
    const nonNull = members.filter((member) => !typeList(member).includes('null') || typeList(member).length > 1);
    nullable = nonNull.length < members.length;
    if (nonNull.length === 1) {
      schema = { ...nonNull[0], ...withoutUnion(outer) };
    } else if (nonNull.length > 1 && nonNull.every((member) => 'const' in member)) {
      schema = { ...withoutUnion(outer), enum: nonNull.map((member) => member.const) };
    } else {
      return base('json', outer, nullable);
    }
  }
  const types = typeList(schema).filter((type) => type !== 'null');
  if (typeList(schema).includes('null')) nullable = true;

  if (Array.isArray(schema.enum)) return { ...base('enum', schema, nullable), enumValues: schema.enum };
  if ('const' in schema) return { ...base('enum', schema, nullable), enumValues: [schema.const] };
  if (types.length !== 1) return base('json', schema, nullable);

  switch (types[0]) {
    case 'string':
      return base('string', schema, nullable);
    case 'number':
      return base('number', schema, nullable);
    case 'integer':
      return base('integer', schema, nullable);
    case 'boolean':
      return base('boolean', schema, nullable);
    case 'array': {
      const item = describeField(schema.items, root);
      const info = { ...base('json', schema, nullable), item };
      if (item.nullable) return info;
      if (item.kind === 'number' || item.kind === 'integer') return { ...info, kind: 'number-list' };
      if (item.kind === 'string') return { ...info, kind: 'string-list' };
      if (item.kind === 'enum' && item.enumValues?.every((value) => typeof value === 'string')) return { ...info, kind: 'enum-list' };
      if (item.kind === 'object') return { ...info, kind: 'object-list' };
      if (item.kind === 'json' && isScalarUnion(resolve(schema.items, root))) return { ...info, kind: 'scalar-list' };
      return info;
    }
    case 'object':
      return isSchema(schema.properties) && !schema.additionalProperties ? base('object', schema, nullable) : base('json', schema, nullable);
    default:
      return base('json', schema, nullable);
  }
}

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean']);

function isScalarUnion(schema: JsonSchema): boolean {
  const types = typeList(schema);
  return types.length > 1 && types.every((type) => SCALAR_TYPES.has(type));
}

/** Reads a typed-in list entry as the scalar type it looks like, among those the schema allows. */
export function parseScalar(text: string, item: FieldInfo): string | number | boolean {
  const types = new Set(typeList(item.schema));
  const trimmed = text.trim();
  // Only a number's canonical text becomes a number, so typing "3." on the way to "3.5" is kept as typed.
  if ((types.has('number') || types.has('integer')) && trimmed !== '' && String(Number(trimmed)) === trimmed) return Number(trimmed);
  if (types.has('boolean') && (trimmed === 'true' || trimmed === 'false')) return trimmed === 'true';
  return text;
}

function withoutUnion(schema: JsonSchema): JsonSchema {
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
  return rest;
}

function base(kind: FieldKind, schema: JsonSchema, nullable: boolean): FieldInfo {
  const info: FieldInfo = { kind, schema, nullable, hasDefault: 'default' in schema };
  if (typeof schema.description === 'string') info.description = schema.description;
  if (typeof schema.title === 'string') info.title = schema.title;
  if ('default' in schema) info.default = schema.default;
  const keys = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems'] as const;
  for (const key of keys) {
    const value = num(schema[key]);
    if (value !== undefined) info[key] = value;
  }
  if (typeof schema.pattern === 'string') info.pattern = schema.pattern;
  return info;
}

/** The properties of an object schema in declaration order; the root schema is the default root. */
export function objectProperties(schema: JsonSchema, root: JsonSchema = schema): PropertyInfo[] {
  const resolved = resolve(schema, root);
  const properties = isSchema(resolved.properties) ? resolved.properties : {};
  const required = new Set(Array.isArray(resolved.required) ? resolved.required.filter((key): key is string => typeof key === 'string') : []);
  return Object.entries(properties).map(([name, property]) => ({ name, required: required.has(name), field: describeField(property, root) }));
}

/** A starting value for a new list item or a newly set field. */
export function initialValue(field: FieldInfo, root: JsonSchema): unknown {
  if (field.hasDefault) return structuredClone(field.default);
  switch (field.kind) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return field.minimum ?? field.exclusiveMinimum ?? 0;
    case 'boolean':
      return false;
    case 'enum':
      return field.enumValues?.[0];
    case 'number-list':
    case 'string-list':
    case 'enum-list':
    case 'scalar-list':
    case 'object-list':
      return [];
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const property of objectProperties(field.schema, root)) {
        if (property.required) value[property.name] = initialValue(property.field, root);
      }
      return value;
    }
    default:
      return null;
  }
}

/** Problems the form can tell at once, before the server's validator answers. */
export function localProblem(field: FieldInfo, value: unknown): string | null {
  if (value === undefined) return null;
  if (field.kind === 'number' || field.kind === 'integer') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'enter a number';
    if (field.kind === 'integer' && !Number.isInteger(value)) return 'enter a whole number';
    if (field.minimum !== undefined && value < field.minimum) return `must be at least ${field.minimum}`;
    if (field.maximum !== undefined && value > field.maximum) return `must be at most ${field.maximum}`;
    if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum) return `must be more than ${field.exclusiveMinimum}`;
    if (field.exclusiveMaximum !== undefined && value >= field.exclusiveMaximum) return `must be less than ${field.exclusiveMaximum}`;
  }
  if (field.kind === 'string' && typeof value === 'string') {
    if (field.minLength !== undefined && value.length < field.minLength) return field.minLength === 1 ? 'required' : `at least ${field.minLength} characters`;
    if (field.maxLength !== undefined && value.length > field.maxLength) return `at most ${field.maxLength} characters`;
  }
  if (Array.isArray(value)) {
    if (field.minItems !== undefined && value.length < field.minItems) return `needs at least ${field.minItems} item${field.minItems === 1 ? '' : 's'}`;
    if (field.maxItems !== undefined && value.length > field.maxItems) return `at most ${field.maxItems} items`;
  }
  return null;
}

/** Limits worth showing in the form: wide zod integer bounds (±2^53) are noise. */
export function shownLimit(value: number | undefined): number | undefined {
  return value !== undefined && Math.abs(value) < 1e15 ? value : undefined;
}

export function displayValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value === '' ? '""' : value;
  return JSON.stringify(value);
}

/**
 * The params hidden by their `showWhen` rule (core/base/show-when.ts) for these values, by
 * the same function validation uses: the inspector and the node card leave them out, as the
 * engine does. A hidden param keeps its value in the document.
 */
export function hiddenParams(schema: JsonSchema, params: Readonly<Record<string, unknown>>): Set<string> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const rules = new Map<string, ShowWhen>();
  for (const [name, property] of Object.entries(properties)) {
    const rule = resolve(property, schema).showWhen;
    if (isSchema(rule) && Object.values(rule).every(Array.isArray)) rules.set(name, rule as ShowWhen);
  }
  if (rules.size === 0) return new Set();
  return hiddenParamNames(
    rules,
    (name) => (Object.hasOwn(params, name) ? params[name] : undefined),
    (name) => resolve(properties[name], schema).default,
  );
}
