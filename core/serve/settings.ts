/** The model server's settings, from options (`tensorloom serve`) or the environment (the image). */

export interface ServeLimits {
  /** Largest request body accepted; a larger one gets 413 before it is read in full. */
  readonly maxBodyBytes: number;
  /** Most rows one request may ask predictions for; more gets 413. */
  readonly maxBatchRows: number;
}

export interface ServeSettings {
  /** The model bundle folder (bundle.json, model.json, weights.bin). */
  readonly modelDir: string;
  /** The name clients address: /v1/models/{name}, /v2/models/{name}. */
  readonly name: string;
  readonly version: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly limits: ServeLimits;
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  readonly shutdownGraceMs: number;
  /** Extra facts shown in metadata and the model_info metric (run id, pipeline hash, digest). */
  readonly lineage?: Readonly<Record<string, string>>;
  /** One line per event (start, stop, model swap). */
  readonly log?: (line: string) => void;
  /** The prediction and feedback log (JSON Lines, core/monitor/prediction-log.ts); absent: off. */
  readonly predictionLog?: PredictionLogSettings;
  /** Structured access log, one JSON line per request: where the text goes (the CLI and images: stderr); absent: off. */
  readonly accessLog?: (bytes: Uint8Array) => void;
  /** Online feature lookup (feature-lookup.ts): fills TF Serving REST requests' features from the workspace's feature store. */
  readonly featureLookup?: FeatureLookupHook;
}

/** What the server asks of an online feature lookup; the implementation lives in feature-lookup.ts (SQLite: never in images). */
export interface FeatureLookupHook {
  /** Adds the features a request's entity keys stand for to a TF Serving REST body (in place), before its inputs are checked. */
  enrich(body: unknown): unknown;
  /** Its lines for /metrics (Prometheus text). */
  metricsText(): string;
  close(): void;
}

export interface PredictionLogSettings {
  readonly dir: string;
  /** Share of requests whose raw features are logged, 0–1 (ids, predictions, latency: always). */
  readonly sample: number;
  readonly flushMs?: number;
  readonly maxFileBytes?: number;
}

/** Where images keep the prediction log unless PREDICTION_LOG_DIR says otherwise (mount a volume there to keep it). */
export const IMAGE_LOG_ROOT = '/tmp/tensorloom/predictions';

function fraction(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) throw new ServeSettingsError(`${key} must be a number from 0 to 1 (got '${raw}')`);
  return value;
}

export const DEFAULT_LIMITS: ServeLimits = { maxBodyBytes: 8 * 1024 * 1024, maxBatchRows: 10_000 };
export const DEFAULT_PORT = 8080;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Thrown for a setting that cannot work; the entry prints its message alone. */
export class ServeSettingsError extends Error {
  override readonly name = 'ServeSettingsError';
}

export function checkModelName(name: string, what = 'the model name'): string {
  if (!NAME_PATTERN.test(name)) throw new ServeSettingsError(`${what} '${name}' must be 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs)`);
  return name;
}

function wholeNumber(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ServeSettingsError(`${key} must be a whole number from ${min} to ${max} (got '${raw}')`);
  return value;
}

/** Settings from the container's environment (see main.ts for the variables). */
export function serveSettingsFromEnv(env: NodeJS.ProcessEnv, defaultModelDir: string): ServeSettings {
  const lineage: Record<string, string> = {};
  for (const [key, label] of [['MODEL_DIGEST', 'digest'], ['MODEL_RUN_ID', 'run_id'], ['MODEL_PIPELINE_HASH', 'pipeline_hash']] as const) {
    if (env[key]) lineage[label] = env[key];
  }
  return {
    modelDir: env.MODEL_DIR || defaultModelDir,
    name: checkModelName(env.MODEL_NAME || 'model', 'MODEL_NAME'),
    version: env.MODEL_VERSION || '1',
    host: env.HOST || '0.0.0.0',
    port: wholeNumber(env, 'PORT', DEFAULT_PORT, 0, 65535),
    limits: {
      maxBodyBytes: wholeNumber(env, 'MAX_BODY_BYTES', DEFAULT_LIMITS.maxBodyBytes, 1024, 1024 * 1024 * 1024),
      maxBatchRows: wholeNumber(env, 'MAX_BATCH_ROWS', DEFAULT_LIMITS.maxBatchRows, 1, 10_000_000),
    },
    shutdownGraceMs: wholeNumber(env, 'SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS, 0, 3_600_000),
    lineage,
    ...(env.PREDICTION_LOG === 'off'
      ? {}
      : {
          predictionLog: {
            dir: env.PREDICTION_LOG_DIR || `${IMAGE_LOG_ROOT}/${env.MODEL_NAME || 'model'}`,
            sample: fraction(env, 'LOG_SAMPLE', 1),
            flushMs: wholeNumber(env, 'LOG_FLUSH_MS', 1000, 10, 60_000),
            maxFileBytes: wholeNumber(env, 'LOG_MAX_FILE_BYTES', 64 * 1024 * 1024, 4096, 2 ** 40),
          },
        }),
    ...(env.ACCESS_LOG === 'off' ? {} : { accessLog: (bytes: Uint8Array) => process.stderr.write(bytes) }),
    log: (line) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: line })}\n`),
  };
}

/** The server software's version (GET /v2); kept equal to package.json's by a test. */
export const SERVER_VERSION = '0.1.0';
