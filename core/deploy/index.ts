/** Container export: build contexts, Docker images and Kubernetes manifests for models and pipelines. See README.md. */
export { writeBuildContext, readModelBundle, modelDigest, WASM_FILES, DEPLOYMENT_MANIFEST, INFERENCE_SERVICE_MANIFEST } from './model-context.js';
export type { BuildContext, BuildContextOptions } from './model-context.js';
export { buildAndSave, buildImage, saveImage, dockerAvailable, requireDocker, imageExists, engineAddress, DockerError, isDockerError } from './docker.js';
export type { BuildAndSaveOptions, BuildOptions } from './docker.js';
export { DEFAULT_BASE_IMAGE, LABEL, RUNTIME_USER, SERVER_PORT, UNKNOWN } from './dockerfile.js';
export type { Lineage } from './dockerfile.js';
export { parseImageReference, imageReferenceProblem, checkModelName, kubernetesName } from './names.js';
export type { ImageReference } from './names.js';
