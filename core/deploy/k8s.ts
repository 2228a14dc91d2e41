/**
 * Kubernetes manifests for an exported model image: a Deployment + Service, and a KServe
 * InferenceService (custom predictor container speaking the Open Inference Protocol).
 */
import { SERVER_PORT, RUNTIME_USER } from './dockerfile.js';
import { toYaml, toYamlDocuments, type YamlValue } from './yaml.js';

export interface ManifestOptions {
  /** A DNS-1035 label (see kubernetesName). */
  readonly name: string;
  readonly image: string;
  readonly modelName: string;
  readonly modelVersion: string;
  /** Lineage labels (values are sanitised into Kubernetes label values). */
  readonly modelDigest: string;
}

/**
 * Where the manifests say how a promotion rolls out: the image pins one model version, so
 * a registry alias moving (champion) changes nothing here until the new version is exported
 * and these manifests are applied again (the new image and MODEL_VERSION roll the pods).
 */
function rolloutAnnotations(options: ManifestOptions): Record<string, string> {
  return {
    'io.tensorloom/model': `${options.modelName}@${options.modelVersion}`,
    'io.tensorloom/rollout': `pinned to version ${options.modelVersion}; after a promotion, export the new version (tensorloom export ${options.modelName}@champion --tag IMAGE:VERSION, or re-run the CI workflow with model=${options.modelName}@champion) and apply the manifests it writes`,
  };
}

const [USER_ID] = RUNTIME_USER.split(':').map(Number) as [number, number];

/** The image's HEALTHCHECK as probes: ready once the model is loaded, live while the process answers. */
const probes = {
  readinessProbe: { httpGet: { path: '/v2/health/ready', port: SERVER_PORT }, initialDelaySeconds: 2, periodSeconds: 5, failureThreshold: 3 },
  livenessProbe: { httpGet: { path: '/v2/health/live', port: SERVER_PORT }, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
};

const resources = { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

const containerSecurity = {
  runAsNonRoot: true,
  runAsUser: USER_ID,
  runAsGroup: USER_ID,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Label values are at most 63 characters of [A-Za-z0-9._-]: the digest goes in without its prefix, shortened. */
function labelValue(value: string): string {
  return value.replace(/^sha256:/, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

function env(options: ManifestOptions): YamlValue[] {
  return [
    { name: 'MODEL_NAME', value: options.modelName },
    { name: 'MODEL_VERSION', value: options.modelVersion },
  ];
}

/** Node writes nothing but may want a scratch folder; the root file system stays read-only. */
const scratch = { volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] };
const scratchVolume = { volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }] };

export function deploymentManifest(options: ManifestOptions): string {
  const labels = { 'app.kubernetes.io/name': options.name, 'app.kubernetes.io/component': 'model-server', 'app.kubernetes.io/managed-by': 'tensorloom' };
  const selector = { 'app.kubernetes.io/name': options.name };
  const deployment: YamlValue = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: options.name, labels, annotations: rolloutAnnotations(options) },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: { ...labels, 'io.tensorloom/model-digest': labelValue(options.modelDigest) },
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(SERVER_PORT), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: USER_ID, runAsGroup: USER_ID, fsGroup: USER_ID },
          // SIGTERM drains in-flight requests; give it time before the kill.
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'model-server',
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: SERVER_PORT, protocol: 'TCP' }],
              env: env(options),
              ...probes,
              resources,
              securityContext: containerSecurity,
              ...scratch,
            },
          ],
          ...scratchVolume,
        },
      },
    },
  };
  const service: YamlValue = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: options.name, labels },
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: SERVER_PORT, targetPort: 'http', protocol: 'TCP' }] },
  };
  return toYamlDocuments([deployment, service]);
}

/**
 * A KServe InferenceService with a custom predictor container. KServe reads the protocol
 * of a custom container from its PROTOCOL environment variable (v1 is assumed without it);
 * the container must be named kserve-container.
 */
export function inferenceServiceManifest(options: ManifestOptions): string {
  return toYaml({
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: options.name,
      labels: { 'app.kubernetes.io/managed-by': 'tensorloom', 'io.tensorloom/model-digest': labelValue(options.modelDigest) },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(SERVER_PORT), 'prometheus.io/path': '/metrics', ...rolloutAnnotations(options) },
    },
    spec: {
      predictor: {
        containers: [
          {
            name: 'kserve-container',
            image: options.image,
            ports: [{ containerPort: SERVER_PORT, protocol: 'TCP' }],
            env: [{ name: 'PROTOCOL', value: 'v2' }, ...env(options)],
            // Knative (under KServe) probes the container's own port: no port is given here.
            readinessProbe: { httpGet: { path: probes.readinessProbe.httpGet.path }, periodSeconds: 5 },
            livenessProbe: { httpGet: { path: probes.livenessProbe.httpGet.path }, periodSeconds: 10 },
            resources,
            securityContext: containerSecurity,
          },
        ],
      },
    },
  });
}
