import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, availableParallelism, cpus, platform, release, totalmem, type as osType, userInfo } from 'node:os';
import { gitState, type GitState } from './git-state.js';

/**
 * What a run ran on, recorded with it (runs.environment_json) so a result can be explained
 * and reproduced later: versions, OS, hardware, the git state of the workspace, and (once
 * the run has ended) the TensorFlow.js backend that computed and the GPU behind it.
 */
export type RunEnvironment = {
  tensorloom: string | null;
  tfjs: string | null;
  node: string;
  os: { platform: string; type: string; release: string; arch: string };
  cpu: { model: string | null; cores: number };
  memoryBytes: number;
  user: string | null;
  git: GitState | null;
  /** The backends nodes reported ('none' when no node used TensorFlow.js); null until the run ends. */
  backend: string | null;
  /** Set when the backend computes on a GPU. */
  gpu: { api: 'cuda' | 'webgpu'; name: string | null } | null;
};

type StaticPart = Omit<RunEnvironment, 'git' | 'backend' | 'gpu'>;
let staticPart: StaticPart | undefined;

/** The parts that cannot change while this process lives, read once. */
function machine(): StaticPart {
  staticPart ??= {
    tensorloom: packageVersion(['../../package.json', '../../../package.json'].map((path) => new URL(path, import.meta.url)), 'tensorloom'),
    tfjs: tfjsVersion(),
    node: process.versions.node,
    os: { platform: platform(), type: osType(), release: release(), arch: arch() },
    cpu: { model: cpus()[0]?.model.trim() || null, cores: availableParallelism() },
    memoryBytes: totalmem(),
    user: userName(),
  };
  return staticPart;
}

/** The environment at the start of a run in `workspaceRoot`; git is asked each time (the tree changes). Never throws. */
export async function runEnvironment(workspaceRoot: string): Promise<RunEnvironment> {
  return { ...machine(), git: await gitState(workspaceRoot).catch(() => null), backend: null, gpu: null };
}

/** The environment completed with the backend the run used, and the GPU when that backend runs on one. */
export async function withBackend(environment: RunEnvironment, backend: string): Promise<RunEnvironment> {
  const names = backend.split(',');
  const gpu = names.includes('tensorflow-gpu')
    ? { api: 'cuda' as const, name: await nvidiaGpuName() }
    : names.includes('webgpu')
      ? { api: 'webgpu' as const, name: null }
      : null;
  return { ...environment, backend, gpu };
}

let gpuName: Promise<string | null> | undefined;

/** The CUDA device's name, from nvidia-smi when it is there (once per process, bounded in time). */
function nvidiaGpuName(): Promise<string | null> {
  gpuName ??= new Promise((done) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 2000, encoding: 'utf8', windowsHide: true }, (error, stdout) =>
      done(error ? null : stdout.split('\n')[0]?.trim() || null),
    );
  });
  return gpuName;
}

function packageVersion(candidates: URL[], name: string): string | null {
  for (const url of candidates) {
    try {
      if (!existsSync(url)) continue;
      const json = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (json.name === name && typeof json.version === 'string') return json.version;
    } catch {
      // Not ours, or unreadable: try the next place.
    }
  }
  return null;
}

function tfjsVersion(): string | null {
  try {
    const path = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/package.json');
    return (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function userName(): string | null {
  try {
    return userInfo().username || null;
  } catch {
    return null; // no passwd entry (some containers)
  }
}
