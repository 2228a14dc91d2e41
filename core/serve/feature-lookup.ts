/**
 * Online feature lookup for the model server (`tensorloom serve --feature-store`), with
 * Feast's get_online_features semantics: a request sends entity keys (and any request-time
 * features); the server fills every model input that a feature view of the workspace holds
 * from that view's online table, by key. A value the request sends itself wins; an unknown
 * entity leaves the features missing (the recipe imputes them as for any missing value).
 * Handles TF Serving REST bodies (`instances` rows and `inputs` columns); KServe V2 requests
 * carry typed tensors and must send every input.
 */
import { FeatureStore, type FeatureView, type OnlineLookup } from '../features/index.js';
import type { ModelBundle } from '../ml/bundle-format.js';
import { RequestError } from './errors.js';
import { Histogram, labels } from './metrics.js';
import type { FeatureLookupHook } from './settings.js';

const LOOKUP_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

interface ViewUse {
  readonly lookup: OnlineLookup;
  readonly keys: readonly string[];
  /** The view's features the model takes as inputs. */
  readonly features: readonly string[];
  found: number;
  unknown: number;
}

export interface FeatureLookupOptions {
  /** The workspace's `.tensorloom` folder. */
  readonly dotDir: string;
  readonly bundle: ModelBundle;
  /** Only these views (default: every view holding some model input). */
  readonly views?: readonly string[];
}

/** Thrown at start-up when the store cannot serve this model; the CLI prints the message. */
export class FeatureLookupError extends Error {
  override readonly name = 'FeatureLookupError';
}

export function openFeatureLookup(options: FeatureLookupOptions): FeatureLookupHook & { readonly views: readonly string[] } {
  if (!FeatureStore.exists(options.dotDir)) throw new FeatureLookupError('--feature-store: this workspace has no feature store (write a view with feature.store.write first)');
  const store = FeatureStore.open(options.dotDir);
  try {
    const inputs = new Set(options.bundle.inputs.map((input) => input.name));
    const candidates: FeatureView[] = options.views ? options.views.map((name) => store.requireView(name, 'view')) : store.list();
    const uses: ViewUse[] = [];
    const owner = new Map<string, string>();
    for (const view of candidates) {
      const features = view.schema.features.map((column) => column.name).filter((name) => inputs.has(name));
      if (features.length === 0) continue;
      for (const feature of features) {
        const other = owner.get(feature);
        if (other !== undefined) throw new FeatureLookupError(`--feature-store: the model input '${feature}' is a feature of both '${other}' and '${view.name}'; name the views to use with --feature-views`);
        owner.set(feature, view.name);
      }
      uses.push({ lookup: store.onlineLookup(view.name), keys: view.schema.entity.map((column) => column.name), features, found: 0, unknown: 0 });
    }
    if (uses.length === 0) throw new FeatureLookupError(`--feature-store: no feature view holds any of the model's inputs (${[...inputs].join(', ')})`);
    // Entity keys that are not model inputs are taken out of the request after the lookup.
    const keyOnly = [...new Set(uses.flatMap((use) => use.keys))].filter((key) => !inputs.has(key));
    const latency = new Histogram(LOOKUP_BUCKETS);

    const fillRecords = (records: unknown[]): void => {
      for (let row = 0; row < records.length; row++) {
        const record = records[row];
        if (typeof record !== 'object' || record === null || Array.isArray(record)) continue; // the input check names it
        const fields = record as Record<string, unknown>;
        for (const use of uses) {
          const missing = use.features.filter((feature) => fields[feature] === undefined);
          if (missing.length === 0) continue;
          const key = use.keys.map((name) => fields[name]);
          if (key.some((value) => value === undefined)) throw new RequestError(400, `instances[${row}]: send the entity key${use.keys.length > 1 ? 's' : ''} ${use.keys.map((name) => `'${name}'`).join(', ')} (feature view '${use.lookup.view.name}') or the features ${missing.join(', ')}`);
          const found = use.lookup.get(key);
          if (found.found) use.found++;
          else use.unknown++;
          for (const feature of missing) fields[feature] = found.values[feature] ?? null;
        }
        for (const key of keyOnly) delete fields[key];
      }
    };

    const fillColumns = (columns: Record<string, unknown>): void => {
      const lengths = Object.values(columns).map((values) => (Array.isArray(values) ? values.length : -1));
      const rows = lengths.length > 0 ? Math.max(...lengths) : 0;
      for (const use of uses) {
        const missing = use.features.filter((feature) => columns[feature] === undefined);
        if (missing.length === 0) continue;
        const keyColumns = use.keys.map((name) => columns[name]);
        if (keyColumns.some((values) => !Array.isArray(values))) throw new RequestError(400, `inputs: send the entity key column${use.keys.length > 1 ? 's' : ''} ${use.keys.map((name) => `'${name}'`).join(', ')} (feature view '${use.lookup.view.name}') or the features ${missing.join(', ')}`);
        const filled = missing.map(() => new Array<unknown>(rows));
        for (let row = 0; row < rows; row++) {
          const found = use.lookup.get(keyColumns.map((values) => (values as unknown[])[row]));
          if (found.found) use.found++;
          else use.unknown++;
          missing.forEach((feature, k) => (filled[k]![row] = found.values[feature] ?? null));
        }
        missing.forEach((feature, k) => (columns[feature] = filled[k]));
      }
      for (const key of keyOnly) delete columns[key];
    };

    return {
      views: uses.map((use) => use.lookup.view.name),
      enrich(body) {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
        const started = process.hrtime.bigint();
        const request = body as Record<string, unknown>;
        if (Array.isArray(request.instances)) fillRecords(request.instances);
        else if (typeof request.inputs === 'object' && request.inputs !== null && !Array.isArray(request.inputs)) fillColumns(request.inputs as Record<string, unknown>);
        latency.observe(Number(process.hrtime.bigint() - started) / 1e9);
        return body;
      },
      metricsText() {
        const out: string[] = [];
        out.push('# HELP tensorloom_feature_lookup_seconds Time to fetch a request’s features from the online store (--feature-store).', '# TYPE tensorloom_feature_lookup_seconds histogram');
        latency.render('tensorloom_feature_lookup_seconds', {}, out);
        out.push('# HELP tensorloom_feature_lookup_entities_total Entities looked up online, by view and whether the store knew them.', '# TYPE tensorloom_feature_lookup_entities_total counter');
        for (const use of uses) {
          out.push(`tensorloom_feature_lookup_entities_total${labels({ view: use.lookup.view.name, result: 'found' })} ${use.found}`);
          out.push(`tensorloom_feature_lookup_entities_total${labels({ view: use.lookup.view.name, result: 'unknown' })} ${use.unknown}`);
        }
        return out.join('\n') + '\n';
      },
      close: () => store.close(),
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
