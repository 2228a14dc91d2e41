/**
 * Names an export must get right before anything is written: Docker image references
 * (the grammar of the distribution/reference package, written out from its spec),
 * model names (they appear in URLs) and Kubernetes object names (DNS-1035 labels).
 */
import { NodeError } from '../base/errors.js';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
/** Docker's limit on the repository name (without tag and digest). */
const MAX_NAME_LENGTH = 255;

export interface ImageReference {
  readonly name: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/**
 * Why `reference` is not a valid image reference, or undefined when it is.
 * `allowDigest: false` for a build tag (`docker build -t` takes name[:tag] only).
 */
export function imageReferenceProblem(reference: string, options: { allowDigest?: boolean } = {}): string | undefined {
  if (reference.trim() === '') return 'an image reference is required, e.g. my-model:1 or registry.example.com/team/my-model:1';
  const match = REFERENCE.exec(reference);
  if (!match) {
    const withoutTag = reference.replace(/(?::[\w.-]*)?(?:@.*)?$/, '');
    const first = withoutTag.split('/')[0]!;
    const path = withoutTag.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? withoutTag.slice(first.length + 1) : withoutTag;
    if (path !== path.toLowerCase()) return `repository names must be lowercase (try '${reference.replace(path, path.toLowerCase())}')`;
    const beforeDigest = reference.split('@')[0]!;
    if (/:[^/]*$/.test(beforeDigest) && !new RegExp(`:${TAG}$`).test(beforeDigest)) {
      return 'the tag after ":" must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"';
    }
    return 'not a valid image reference: expected [registry[:port]/]name[:tag] where the name is lowercase letters and digits separated by ".", "_", "__", "-" or "/"';
  }
  if (match[1]!.length > MAX_NAME_LENGTH) return `the repository name is longer than ${MAX_NAME_LENGTH} characters`;
  if (match[3] !== undefined && options.allowDigest === false) return 'an image to build is named name[:tag]; a digest (@sha256:…) cannot be given to a build';
  return undefined;
}

/** Parses an image reference, or throws a NodeError naming `field` that says what is wrong. */
export function parseImageReference(reference: string, field: string, options: { allowDigest?: boolean } = {}): ImageReference {
  const problem = imageReferenceProblem(reference, options);
  if (problem !== undefined) throw new NodeError(`${field} '${reference}': ${problem}`, { field });
  const [, name, tag, digest] = REFERENCE.exec(reference)!;
  return { name: name!, tag, digest };
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A model name is part of the server's URLs (/v1/models/{name}:predict), so it stays URL-safe. */
export function checkModelName(name: string, field = 'name'): string {
  if (!MODEL_NAME.test(name)) {
    throw new NodeError(`${field} '${name}': a model name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit`, { field });
  }
  return name;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL = 63;

/**
 * The Kubernetes object name for a model: a DNS-1035 label (what Services and KServe
 * InferenceServices require: lowercase letters, digits and '-', starting with a letter).
 * Other names are normalised (lowercased, '.' and '_' become '-'); `changed` says so.
 */
export function kubernetesName(modelName: string, field = 'name'): { name: string; changed: boolean } {
  let name = modelName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (/^[0-9]/.test(name)) name = `model-${name}`;
  if (name === '' || name.length > MAX_LABEL || !DNS_1035_LABEL.test(name)) {
    throw new NodeError(
      `${field} '${modelName}' cannot name Kubernetes objects: it must become 1 to ${MAX_LABEL} lowercase letters, digits or '-', starting with a letter (got '${name}')`,
      { field },
    );
  }
  return { name, changed: name !== modelName };
}
