import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from './events.js';
import { Harness, pipeline } from './test-support/harness.js';

/** The largest number of nodes that were running at the same moment, from the event order. */
function maxOverlap(events: EngineEvent[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    if (event.type !== 'node.state') continue;
    if (event.status === 'running') most = Math.max(most, ++running);
    else if (['succeeded', 'failed', 'cancelled'].includes(event.status)) running -= 1;
  }
  return most;
}

const branches = (count: number) =>
  pipeline(
    Array.from({ length: count }, (_, i) => ({ id: `s${i}`, type: 'test.sleep', params: { ms: 150, tag: String(i) } })),
    [],
  );

describe('concurrency', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('runs independent branches at the same time, up to the bound', async () => {
    harness = new Harness({ concurrency: 3 });
    const result = await harness.run(branches(6));
    expect(result.status).toBe('succeeded');
    expect(maxOverlap(harness.events)).toBe(3);
  });

  it('runs one node at a time with concurrency 1', async () => {
    harness = new Harness({ concurrency: 1 });
    await harness.run(branches(3));
    expect(maxOverlap(harness.events)).toBe(1);
  });

  it('never starts a node before its inputs are done', async () => {
    harness = new Harness({ concurrency: 4 });
    const doc = pipeline(
      [
        { id: 'first', type: 'test.sleep', params: { ms: 100 } },
        { id: 'second', type: 'test.sleep', params: { ms: 10 } },
      ],
      [['first.out', 'second.in']],
    );
    await harness.run(doc);
    const order = harness.events
      .filter((event): event is Extract<EngineEvent, { type: 'node.state' }> => event.type === 'node.state' && event.status !== 'queued')
      .map((event) => `${event.nodeId}:${event.status}`);
    expect(order).toEqual(['first:running', 'first:succeeded', 'second:running', 'second:succeeded']);
  });
});
