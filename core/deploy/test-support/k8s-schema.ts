/**
 * Checks manifests against the Kubernetes and Argo Workflows OpenAPI schemas, through the
 * kubernetes-models packages (ajv under the hood): unknown fields, wrong types and missing
 * required fields are errors with their JSON path.
 */
import { CronWorkflow, Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

interface Validating {
  validate(): void;
}
type Model = new (data: never) => Validating;

const MODELS: Record<string, Model> = {
  'argoproj.io/v1alpha1 Workflow': Workflow as unknown as Model,
  'argoproj.io/v1alpha1 CronWorkflow': CronWorkflow as unknown as Model,
  'apps/v1 Deployment': Deployment as unknown as Model,
  'v1 Service': Service as unknown as Model,
};

/** Throws the schema's errors (with paths) for a manifest that does not validate, or whose kind has no model here. */
export function validateManifest(manifest: unknown): void {
  const { apiVersion, kind } = (manifest ?? {}) as { apiVersion?: string; kind?: string };
  const model = MODELS[`${apiVersion} ${kind}`];
  if (!model) throw new Error(`no schema here for ${apiVersion} ${kind}`);
  const instance = new model(manifest as never);
  try {
    instance.validate();
  } catch (error) {
    const details = (error as { errors?: { instancePath: string; message: string }[] }).errors;
    throw new Error(`${kind} does not validate: ${details ? details.map((item) => `${item.instancePath} ${item.message}`).join('; ') : (error as Error).message}`);
  }
}

/** Every document of a YAML file, validated; returns them. */
export function validateYamlManifests(text: string): unknown[] {
  const documents = parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(`not YAML: ${document.errors[0]!.message}`);
    return document.toJSON() as unknown;
  });
  for (const document of documents) validateManifest(document);
  return documents;
}
