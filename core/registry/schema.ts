/** A registered model's input schema (from its bundle.json) and how two of them differ. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SchemaChange } from '../base/context.js';
import { BUNDLE_FILE, type ModelBundle } from '../ml/bundle-format.js';

/** What a request to the model must carry and what it answers: kept with every version. */
export interface ModelSchema {
  readonly task: string;
  readonly target: string;
  /** Class labels in output order (classification), else null. */
  readonly classes: readonly string[] | null;
  /** The raw columns a prediction request provides. */
  readonly inputs: readonly { readonly name: string; readonly type: string }[];
}

export interface BundleFacts {
  readonly schema: ModelSchema;
  /** The TensorFlow.js backend that trained it, when the bundle says. */
  readonly backend: string | null;
}

/** Reads the schema and backend of the model bundle folder `dir`; a plain Error when it is not one. */
export async function readBundleFacts(dir: string): Promise<BundleFacts> {
  let bundle: ModelBundle;
  try {
    bundle = JSON.parse(await readFile(join(dir, BUNDLE_FILE), 'utf8')) as ModelBundle;
  } catch (error) {
    throw new Error(`the model has no readable ${BUNDLE_FILE} (${(error as Error).message.split('\n')[0]})`);
  }
  const inputs = Array.isArray(bundle.inputs) ? bundle.inputs.map((input) => ({ name: String(input.name), type: String(input.type) })) : [];
  const backend = typeof bundle.lineage?.backend === 'string' ? bundle.lineage.backend : null;
  return {
    schema: {
      task: String(bundle.task),
      target: String(bundle.target?.name ?? ''),
      classes: Array.isArray(bundle.classes) ? bundle.classes.map(String) : null,
      inputs,
    },
    backend,
  };
}

const column = (input: { name: string; type: string }) => `'${input.name}' (${input.type})`;

/** How `next` differs from `previous` (version `fromVersion`), or undefined when it does not. */
export function schemaChange(previous: ModelSchema, next: ModelSchema, fromVersion: number): SchemaChange | undefined {
  const before = new Map(previous.inputs.map((input) => [input.name, input.type]));
  const after = new Map(next.inputs.map((input) => [input.name, input.type]));
  const added = next.inputs.filter((input) => !before.has(input.name));
  const removed = previous.inputs.filter((input) => !after.has(input.name));
  const retyped = next.inputs.flatMap((input) => {
    const was = before.get(input.name);
    return was !== undefined && was !== input.type ? [{ name: input.name, from: was, to: input.type }] : [];
  });
  const other: string[] = [];
  if (previous.task !== next.task) other.push(`task ${previous.task} → ${next.task}`);
  if (previous.target !== next.target) other.push(`target '${previous.target}' → '${next.target}'`);
  const classesBefore = previous.classes ?? [];
  const classesAfter = next.classes ?? [];
  const newClasses = classesAfter.filter((label) => !classesBefore.includes(label));
  const goneClasses = classesBefore.filter((label) => !classesAfter.includes(label));
  if (newClasses.length > 0) other.push(`new class labels ${newClasses.map((label) => `'${label}'`).join(', ')}`);
  if (goneClasses.length > 0) other.push(`class labels no longer predicted ${goneClasses.map((label) => `'${label}'`).join(', ')}`);
  if (added.length + removed.length + retyped.length + other.length === 0) return undefined;
  const parts = [
    ...(added.length > 0 ? [`added ${added.map(column).join(', ')}`] : []),
    ...(removed.length > 0 ? [`removed ${removed.map(column).join(', ')}`] : []),
    ...retyped.map((change) => `'${change.name}' ${change.from} → ${change.to}`),
    ...other,
  ];
  return { fromVersion, added, removed, retyped, other, summary: parts.join('; ') };
}
