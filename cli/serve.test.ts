import { once } from 'node:events';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainExample, type TrainedExample } from '../core/serve/test-support/trained-model.js';
import { startTensorloom, tensorloom } from './test-support/run-cli.js';

describe('tensorloom serve', () => {
  let example: TrainedExample;
  beforeAll(() => {
    example = trainExample('penguins');
  }, 180_000);

  it('serves a sha256: model id from the workspace, prints its URL, and stops cleanly on SIGTERM', async () => {
    const child = startTensorloom(['serve', example.modelId, '--workspace', example.workspace, '--port', '0', '--name', 'penguins']);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /Model server: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (found) resolve(found[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const answer = await fetch(`${url}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify({ instances: example.records.slice(0, 2) }) });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { predictions: unknown[] }).predictions).toHaveLength(2);
    const parameters = ((await (await fetch(`${url}/v2/models/penguins`)).json()) as { parameters: Record<string, string> }).parameters;
    expect(parameters.digest).toBe(example.modelId);
    expect(parameters.run_id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(parameters.pipeline_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM: finishing in-flight requests');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('says what is wrong with the model reference, the name or the port, without a stack trace', async () => {
    const missing = tensorloom(['serve', 'no/such/folder']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("model 'no/such/folder': no such folder");
    const notBundle = tensorloom(['serve', example.workspace]);
    expect(notBundle.status).toBe(2);
    expect(notBundle.stderr).toContain(`model '${example.workspace}': `);
    const registry = tensorloom(['serve', 'penguins@production', '--workspace', example.workspace]);
    expect(registry.status).toBe(2);
    expect(registry.stderr).toContain("no model 'penguins' in the registry: it is empty");
    const unknownId = tensorloom(['serve', `sha256:${'0'.repeat(64)}`, '--workspace', example.workspace]);
    expect(unknownId.status).toBe(2);
    expect(unknownId.stderr).toContain('no such artifact in the workspace');
    expect(unknownId.stderr).not.toContain('internal error');
    const badName = tensorloom(['serve', example.modelDir, '--name', 'my model']);
    expect(badName.status).toBe(2);
    expect(badName.stderr).toContain("--name 'my model' must be 1–128 letters");
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const port = (blocker.address() as { port: number }).port;
      const taken = tensorloom(['serve', example.modelDir, '--port', String(port)]);
      expect(taken.status).toBe(2);
      expect(taken.stderr).toContain(`port ${port} is taken`);
    } finally {
      blocker.close();
    }
    const unknownHost = tensorloom(['serve', example.modelDir, '--port', '0', '--host', 'no-such-host.invalid']);
    expect(unknownHost.status).toBe(2);
    expect(unknownHost.stderr).toContain('--host no-such-host.invalid: no such host name');
    const foreignAddress = tensorloom(['serve', example.modelDir, '--port', '0', '--host', '192.0.2.1']);
    expect(foreignAddress.status).toBe(2);
    expect(foreignAddress.stderr).toContain('--host 192.0.2.1: not an address of this machine');
    for (const result of [missing, notBundle, registry, unknownId, badName, unknownHost, foreignAddress]) expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});

