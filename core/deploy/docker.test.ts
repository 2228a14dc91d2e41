/** Without a Docker engine: one clear error that says how to go on (the real engine is in docker.e2e.test.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, dockerAvailable, engineAddress, isDockerError, requireDocker } from './docker.js';

const MISSING = '/nonexistent/tensorloom-test/docker.sock';
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = `unix://${MISSING}`;
});
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

describe('no Docker engine', () => {
  it('says where it looked and why nothing answered', async () => {
    expect(engineAddress()).toBe(MISSING);
    expect(engineAddress({})).toBe('/var/run/docker.sock');
    expect(await dockerAvailable()).toEqual({ ok: false, reason: 'the socket does not exist' });
  });

  it('refuses to build with one line naming the socket and how to only write the context', async () => {
    const expected = `no Docker engine is reachable at ${MISSING} (the socket does not exist); start Docker, or pass --no-build to only write the build context to ctx-dir`;
    const error = await requireDocker('ctx-dir').catch((caught: unknown) => caught);
    expect(isDockerError(error)).toBe(true);
    expect(error).toMatchObject({ message: expected, code: 'unreachable' });
    await expect(buildImage('ctx-dir', { tag: 'x:1' })).rejects.toThrow(/^no Docker engine is reachable at .*to only write the build context to .*ctx-dir$/);
    await expect(requireDocker('ctx-dir', "set the param 'build' to false")).rejects.toThrow(/start Docker, or set the param 'build' to false to only write/);
  });
});
