/**
 * Default ids for new nodes. An id is read in wires and messages as `<id>.<port>`, so it
 * names the step (`evaluate.metrics`, `train.model`) and is never a port name itself
 * (`model.model`, "model.table takes a table").
 */
import type { Catalog } from './connection-rules';
import { idBaseForType, uniqueNodeId } from './document';

/** Namespaces that name a step: their nodes are called after the step rather than the variant. */
const STEP_NAMES: Readonly<Record<string, string>> = { train: 'train', eval: 'evaluate', predict: 'predict' };

/** Every port name in the catalog: ids that would read as ports. */
export function portNames(catalog: Catalog): Set<string> {
  const names = new Set<string>();
  for (const entry of Object.values(catalog)) {
    for (const port of [...Object.keys(entry.inputs), ...Object.keys(entry.outputs)]) names.add(port);
  }
  return names;
}

/**
 * The id stem for a type: the step for step namespaces (`train.dense` → `train`,
 * `eval.model` → `evaluate`), else the type's last part (`data.csv` → `csv`); whichever is
 * a port name is passed over, and `Node` is added when all are.
 */
export function idStemForType(type: string, reserved: ReadonlySet<string>): string {
  const parts = type.split('.');
  const namespace = parts.length > 1 ? parts[0]! : undefined;
  const candidates = [namespace ? STEP_NAMES[namespace] : undefined, idBaseForType(type), namespace ? idBaseForType(namespace) : undefined];
  for (const candidate of candidates) {
    if (candidate && !reserved.has(candidate)) return candidate;
  }
  return `${idBaseForType(type)}Node`;
}

/** A new node's id: its type's stem, numbered (`train2`) when taken. */
export function newNodeId(type: string, taken: ReadonlySet<string>, catalog: Catalog): string {
  return uniqueNodeId(idStemForType(type, portNames(catalog)), taken);
}
