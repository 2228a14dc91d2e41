import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, pipeline } from './test-support/harness.js';

const waitForState = (harness: Harness, nodeId: string, status: string) =>
  new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (harness.events.some((event) => event.type === 'node.state' && event.nodeId === nodeId && event.status === status)) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });

describe('cancellation', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('stops a running node that honours the signal and cancels the queued ones', async () => {
    harness = new Harness();
    const controller = new AbortController();
    const doc = pipeline(
      [
        { id: 'slow', type: 'test.sleep', params: { ms: 20_000 } },
        { id: 'next', type: 'test.add' },
      ],
      [['slow.out', 'next.a']],
    );
    const running = harness.run(doc, { signal: controller.signal });
    await waitForState(harness, 'slow', 'running');
    const cancelledAt = Date.now();
    controller.abort();
    const result = await running;
    // Long before the node's 20 s would end: the latency itself (about CANCEL_GRACE_MS) is a
    // figure for a benchmark, not an assertion a loaded 2-core machine can hold.
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    expect(result.status).toBe('cancelled');
    expect(result.nodes.slow!.status).toBe('cancelled');
    expect(result.nodes.next!.status).toBe('cancelled');
    expect(harness.store.getRun(result.runId)!.status).toBe('cancelled');
  });

  it('terminates a worker node that ignores the signal, long before it would end', async () => {
    harness = new Harness();
    const controller = new AbortController();
    const running = harness.run(pipeline([{ id: 'spin', type: 'test.spin', params: { ms: 30_000 } }], []), { signal: controller.signal });
    await waitForState(harness, 'spin', 'running');
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the worker start spinning
    const cancelledAt = Date.now();
    controller.abort();
    const result = await running;
    expect(Date.now() - cancelledAt).toBeLessThan(10_000); // it spins for 30 s
    expect(result.nodes.spin!.status).toBe('cancelled');
    // No half-written artifact is left behind.
    expect(readdirSync(join(harness.root, '.tensorloom', 'tmp')).length).toBe(0);
  });

  it('a cancelled node is not cached: the next run executes it', async () => {
    harness = new Harness();
    const controller = new AbortController();
    const doc = pipeline([{ id: 'slow', type: 'test.sleep', params: { ms: 400 } }], []);
    const running = harness.run(doc, { signal: controller.signal });
    await waitForState(harness, 'slow', 'running');
    controller.abort();
    await running;
    const rerun = await harness.run(doc);
    expect(rerun.nodes.slow!.status).toBe('succeeded');
  });

  it('a signal aborted before the start cancels every node', async () => {
    harness = new Harness();
    const result = await harness.run(pipeline([{ id: 'a', type: 'test.source' }], []), { signal: AbortSignal.abort() });
    expect(result.status).toBe('cancelled');
    expect(result.nodes.a!.status).toBe('cancelled');
  });

  it('worker nodes run to completion and stream their metrics when not cancelled', async () => {
    harness = new Harness();
    const result = await harness.run(pipeline([{ id: 'spin', type: 'test.spin', params: { ms: 50 } }], []));
    expect(result.nodes.spin!.status).toBe('succeeded');
    expect(result.metrics.spin!.spins).toBeGreaterThan(0);
  });
});

describe('worker threads', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('runs a size-gated worker node in this thread for small inputs and in a worker for large ones', async () => {
    harness = new Harness();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(harness.root, 'small.txt'), 'tiny');
    writeFileSync(join(harness.root, 'large.txt'), 'x'.repeat(100));
    await harness.run(pipeline([{ id: 'small', type: 'test.where', params: { file: 'small.txt' } }, { id: 'large', type: 'test.where', params: { file: 'large.txt' } }], []));
    const said = Object.fromEntries(harness.events.flatMap((event) => (event.type === 'node.log' ? [[event.nodeId, event.message]] : [])));
    expect(said).toEqual({ small: 'main thread', large: 'worker thread' });
  });
});
