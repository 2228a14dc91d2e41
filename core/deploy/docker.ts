/**
 * The Docker engine through dockerode (loaded on first use): build a context into an
 * image with streamed progress, save an image as a `docker load` tarball. The engine is
 * DOCKER_HOST, else the local socket.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';

/** Something the user can fix about the engine or the build (not a bug): the CLI prints the message alone. */
export class DockerError extends Error {
  override readonly name = 'DockerError';
  constructor(
    message: string,
    readonly code: 'unreachable' | 'build-failed' | 'base-image-missing' | 'cancelled' | 'save-failed',
  ) {
    super(message);
  }
}

export function isDockerError(error: unknown): error is DockerError {
  return error instanceof Error && error.name === 'DockerError';
}

/** Where dockerode will look for the engine, in words. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST ? env.DOCKER_HOST.replace(/^unix:\/\//, '') : '/var/run/docker.sock';
}

export async function connect(): Promise<Docker> {
  const { default: DockerClient } = await import('dockerode');
  return new DockerClient();
}

const PING_TIMEOUT_MS = 5000;

/** Whether an engine answers; `reason` says why not. */
export async function dockerAvailable(docker?: Docker): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const client = docker ?? (await connect());
    const version = await Promise.race([
      client.version(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000} s`)), PING_TIMEOUT_MS).unref()),
    ]);
    return { ok: true, version: version.Version };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  }
}

function describe(error: unknown): string {
  const err = error as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: string } };
  if (err?.code === 'ENOENT') return 'the socket does not exist';
  if (err?.code === 'EACCES') return 'permission denied on the socket: add your user to the docker group, or use rootless Docker';
  if (err?.code === 'ECONNREFUSED') return 'connection refused';
  return (err?.json?.message ?? err?.message ?? String(error)).split('\n')[0]!;
}

/**
 * The engine, or a DockerError that says how to go on without one (`skipHint`: how the
 * caller turns building off, e.g. "pass --no-build").
 */
export async function requireDocker(contextDir: string, skipHint = 'pass --no-build'): Promise<Docker> {
  const docker = await connect();
  const available = await dockerAvailable(docker);
  if (!available.ok) {
    throw new DockerError(
      `no Docker engine is reachable at ${engineAddress()} (${available.reason}); start Docker, or ${skipHint} to only write the build context to ${contextDir}`,
      'unreachable',
    );
  }
  return docker;
}

export interface BuildOptions {
  readonly tag: string;
  /** One line per build step or message ("Step 3/12 : COPY model /app/model"). */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly docker?: Docker;
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/**
 * Builds the context folder into an image tagged `tag` and returns its id (sha256:…).
 * The engine's classic builder is used with pull off: nothing is fetched when the base
 * image is already there. A build error becomes one DockerError with the engine's message.
 */
export async function buildImage(contextDir: string, options: BuildOptions): Promise<string> {
  const dir = resolve(contextDir);
  const docker = options.docker ?? (await requireDocker(dir));
  const progress = options.onProgress ?? (() => {});
  const baseImage = await baseImageOf(dir);
  const baseMissing = baseImage !== undefined && !(await imageExists(docker, baseImage));
  if (baseMissing) progress(`base image ${baseImage} is not on this engine: the engine will try to pull it (load it first with docker load for an offline build)`);
  let lastStep = '';
  const entries = (await readdir(dir)).sort();
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage({ context: dir, src: entries }, { t: options.tag, rm: true, forcerm: true, pull: false, ...(options.signal ? { abortSignal: options.signal } : {}) } as Docker.ImageBuildOptions);
  } catch (error) {
    if (options.signal?.aborted) throw new DockerError('the image build was cancelled', 'cancelled');
    throw new DockerError(`the Docker engine refused the build of ${options.tag}: ${describe(error)}`, 'build-failed');
  }
  let imageId: string | undefined;
  let failure: string | undefined;
  const events = await new Promise<BuildEvent[]>((resolvePromise, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: BuildEvent[]) => (error ? reject(error) : resolvePromise(output)),
      (event: BuildEvent) => {
        if (event.aux?.ID) imageId = event.aux.ID;
        if (event.error || event.errorDetail) failure ??= (event.errorDetail?.message ?? event.error ?? 'unknown error').trim();
        const text = event.stream ?? event.status;
        for (const line of text?.split('\n') ?? []) {
          if (line.trim() === '') continue;
          if (/^Step \d+\/\d+ : /.test(line)) lastStep = line.slice(line.indexOf(' : ') + 3);
          progress(line.trimEnd());
        }
      },
    );
  }).catch((error: unknown) => {
    if (options.signal?.aborted) throw new DockerError('the image build was cancelled', 'cancelled');
    throw new DockerError(`the image build of ${options.tag} stopped: ${describe(error)}`, 'build-failed');
  });
  if (failure !== undefined) {
    // Failing at FROM with an image the engine did not have: the pull failed (no network, no such image).
    const missingBase = baseMissing && lastStep.startsWith('FROM ');
    throw new DockerError(
      missingBase
        ? `the image build of ${options.tag} failed: base image ${baseImage} is not on this engine and could not be pulled (${failure}); docker load it, or pass --base-image with an image the engine has`
        : `the image build of ${options.tag} failed: ${failure}`,
      missingBase ? 'base-image-missing' : 'build-failed',
    );
  }
  if (imageId === undefined) {
    // Older engines only print "Successfully built <short id>": ask the engine for the full id.
    const built = events.map((event) => event.stream ?? '').join('').match(/Successfully built ([0-9a-f]+)/);
    imageId = built ? (await docker.getImage(built[1]!).inspect()).Id : (await docker.getImage(options.tag).inspect()).Id;
  }
  return imageId;
}

export interface BuildAndSaveOptions extends BuildOptions {
  /** Also write the image as a `docker load` tarball here. */
  readonly save?: string | undefined;
  /** How the caller turns building off, for the no-engine message (e.g. "pass --no-build"). */
  readonly skipHint?: string;
  /** The context folder as the user knows it, for the no-engine message (default: its path). */
  readonly shownAs?: string;
  /** Called once the engine answered, before the build starts. */
  readonly onBuildStart?: () => void;
}

/** Export's last step, for the CLI and the deploy node alike: engine check, build, optional tarball. */
export async function buildAndSave(contextDir: string, options: BuildAndSaveOptions): Promise<string> {
  const docker = options.docker ?? (await requireDocker(options.shownAs ?? contextDir, options.skipHint));
  options.onBuildStart?.();
  const imageId = await buildImage(contextDir, { ...options, docker });
  if (options.save !== undefined) await saveImage(options.tag, options.save, docker);
  return imageId;
}

/** The Dockerfile's default base image (ARG BASE_IMAGE=…), to check it is on the engine. */
async function baseImageOf(contextDir: string): Promise<string | undefined> {
  const text = await readFile(join(contextDir, 'Dockerfile'), 'utf8').catch(() => '');
  return /^ARG BASE_IMAGE=(\S+)$/m.exec(text)?.[1];
}

export async function imageExists(docker: Docker, reference: string): Promise<boolean> {
  try {
    await docker.getImage(reference).inspect();
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the image as a tarball that `docker load` reads, atomically: a temp file in the
 * same folder, flushed, then renamed, so `file` is either complete or untouched.
 */
export async function saveImage(reference: string, file: string, docker?: Docker): Promise<void> {
  const client = docker ?? (await connect());
  const target = resolve(file);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const stream = await client.getImage(reference).get();
    await pipeline(stream, createWriteStream(temp, { flags: 'wx' }));
    const handle = await open(temp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new DockerError(`cannot save image ${reference} to ${file}: ${describe(error)}`, 'save-failed');
  }
}
