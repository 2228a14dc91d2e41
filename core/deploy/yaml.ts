/**
 * YAML for the manifests and workflows the exports write, through the `yaml` package: plain
 * JSON-like values in block style, emitted with the YAML 1.1 schema so that 1.1 readers
 * (PyYAML, older Kubernetes tooling) and 1.2 readers (Argo, kubectl, GitHub) read every value
 * back exactly: `yes`, `on`, `0777`, `12:30` and the like are quoted, multi-line text is a
 * literal block (`|`), nothing is folded, and undefined fields are left out.
 */
import { Document, isScalar, visit, type Scalar, type ScalarTag, type Tags } from 'yaml';

export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

/** Only finite numbers have a YAML form every reader agrees on. */
function checkNumbers(value: unknown, path: string): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML (at ${path || 'the top'}): only finite numbers`);
    return;
  }
  if (Array.isArray(value)) value.forEach((item, k) => checkNumbers(item, `${path}[${k}]`));
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) checkNumbers(item, path ? `${path}.${key}` : key);
}

/** JSON's form of a number, with a '.' in an exponent's mantissa: PyYAML reads `1e+21` as text, `1.0e+21` as a number. */
function numberText(node: Scalar): string {
  return String(node.value).replace(/^(-?\d+)e/, '$1.0e');
}

/** The package's int and float tags for plain numbers, writing numberText. */
function numbersFor11(tags: Tags): Tags {
  return tags.map((tag) => {
    const scalar = tag as ScalarTag;
    const numeric = scalar.tag === 'tag:yaml.org,2002:float' || scalar.tag === 'tag:yaml.org,2002:int';
    if (!numeric || scalar.format !== undefined || typeof scalar.identify !== 'function') return tag;
    return { ...scalar, stringify: numberText } satisfies ScalarTag;
  });
}

const OPTIONS = {
  version: '1.1',
  customTags: numbersFor11,
  // Sequences under a key at the key's indentation, as kubectl and GitHub's docs write them.
  indentSeq: false,
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
} as const;

/** One YAML document (a map or a list), ending in a newline. */
export function toYaml(value: YamlValue): string {
  checkNumbers(value, '');
  const document = new Document(value, OPTIONS);
  visit(document, {
    Scalar(_, node) {
      // A plain scalar cannot hold tabs or other control characters for every reader (PyYAML refuses a tab): quote them.
      if (isScalar(node) && typeof node.value === 'string' && hasControl(node.value) && !isLiteral(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return document.toString(OPTIONS);
}

/** Control characters other than the newline (which a literal block holds). */
function hasControl(text: string): boolean {
  for (let k = 0; k < text.length; k++) {
    const code = text.charCodeAt(k);
    if ((code < 0x20 && code !== 0x0a) || code === 0x7f) return true;
  }
  return false;
}

/** Multi-line text without tabs or carriage returns becomes a literal block; a tab inside one would be kept as is. */
function isLiteral(text: string): boolean {
  return text.includes('\n') && !/[\r\t]/.test(text);
}

/** Several documents in one file, separated by `---`. */
export function toYamlDocuments(documents: readonly YamlValue[]): string {
  return documents.map((document) => toYaml(document)).join('---\n');
}
