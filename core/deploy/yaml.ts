/**
 * A small YAML emitter for the manifests and workflows the export writes: plain JSON-like
 * values in block style. Strings that YAML could read as something else (numbers, booleans,
 * `null`, `yes`/`no`, text with `: ` or ` #`, leading indicators) are written as JSON
 * strings, which are valid YAML double-quoted scalars, so every value reads back exactly.
 */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

/** Words YAML 1.1 readers (PyYAML, older Kubernetes tooling) turn into booleans or null. */
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;
const PLAIN = /^[A-Za-z_/.][A-Za-z0-9_/.@+=,:() -]*$/;
const NUMBER_LIKE = /^[-+.]?(?:\d|\.inf|\.nan)|^0x|^0o/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML: only finite numbers`);
    // YAML 1.1 readers (PyYAML) need a '.' in a float with an exponent: 1e+21 → 1.0e+21.
    return String(value).replace(/^(-?\d+)e/, '$1.0e');
  }
  const plain =
    PLAIN.test(value) &&
    !RESERVED.test(value) &&
    !NUMBER_LIKE.test(value) &&
    !value.endsWith(' ') &&
    !value.endsWith(':') &&
    !value.includes(': ') &&
    !value.includes(' #');
  return plain ? value : JSON.stringify(value);
}

/** Multi-line text as a literal block (`|-`): kept exactly, and readable (shell scripts in workflows). */
function isBlock(value: YamlValue): value is string {
  return typeof value === 'string' && value.includes('\n') && !/[\r\t]/.test(value) && !value.startsWith(' ') && !/ $/m.test(value);
}

function block(text: string, indent: string): string[] {
  return ['|' + (text.endsWith('\n') ? '' : '-'), ...text.replace(/\n$/, '').split('\n').map((line) => (line === '' ? '' : `${indent}${line}`))];
}

const isMap = (value: YamlValue): value is { readonly [key: string]: YamlValue | undefined } => typeof value === 'object' && value !== null && !Array.isArray(value);

function key(name: string): string {
  return scalar(name);
}

function lines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    const out: string[] = [];
    for (const item of value as readonly YamlValue[]) {
      if ((isMap(item) && Object.keys(item).some((k) => item[k] !== undefined)) || (Array.isArray(item) && item.length > 0)) {
        const inner = lines(item, `${indent}  `);
        out.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
      } else if (isBlock(item)) {
        const [header, ...body] = block(item, `${indent}  `);
        out.push(`${indent}- ${header}`, ...body);
      } else out.push(`${indent}- ${inline(item)}`);
    }
    return out;
  }
  if (isMap(value)) {
    const entries = Object.entries(value).filter((entry): entry is [string, YamlValue] => entry[1] !== undefined);
    if (entries.length === 0) return [`${indent}{}`];
    const out: string[] = [];
    for (const [name, item] of entries) {
      const nested = (isMap(item) && Object.values(item).some((v) => v !== undefined)) || (Array.isArray(item) && item.length > 0);
      if (nested) out.push(`${indent}${key(name)}:`, ...lines(item, Array.isArray(item) ? indent : `${indent}  `));
      else if (isBlock(item)) {
        const [header, ...body] = block(item, `${indent}  `);
        out.push(`${indent}${key(name)}: ${header}`, ...body);
      } else out.push(`${indent}${key(name)}: ${inline(item)}`);
    }
    return out;
  }
  return [`${indent}${scalar(value as string | number | boolean | null)}`];
}

function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (isMap(value)) return '{}';
  return scalar(value as string | number | boolean | null);
}

/** One YAML document (a map or a list), ending in a newline. */
export function toYaml(value: YamlValue): string {
  return lines(value, '').join('\n') + '\n';
}

/** Several documents in one file, separated by `---`. */
export function toYamlDocuments(documents: readonly YamlValue[]): string {
  return documents.map((document) => toYaml(document)).join('---\n');
}
