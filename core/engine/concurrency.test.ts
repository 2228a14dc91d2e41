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

describe('scheduling', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('starts each node exactly once, even when many finish around the same time', async () => {
    harness = new Harness({ concurrency: 8 });
    // A wide diamond: one source, 12 middle nodes, one join per pair, all cheap and cached-or-not.
    const middle = Array.from({ length: 12 }, (_, i) => ({ id: `m${i}`, type: 'test.add', params: { plus: i } }));
    const joins = Array.from({ length: 6 }, (_, i) => ({ id: `j${i}`, type: 'test.add' }));
    const doc = pipeline(
      [{ id: 'src', type: 'test.source' }, ...middle, ...joins],
      [
        ...middle.map((node) => ['src.out', `${node.id}.a`] as [string, string]),
        ...joins.flatMap((node, i) => [[`m${2 * i}.out`, `${node.id}.a`], [`m${2 * i + 1}.out`, `${node.id}.b`]] as [string, string][]),
      ],
    );
    for (const attempt of ['cold', 'cached']) {
      await harness.run(doc);
      const starts = new Map<string, number>();
      for (const event of harness.events) {
        if (event.type === 'node.state' && (event.status === 'running' || event.status === 'cached')) starts.set(event.nodeId, (starts.get(event.nodeId) ?? 0) + 1);
      }
      expect([...starts.values()].every((count) => count === 1), attempt).toBe(true);
      expect(starts.size).toBe(19);
    }
  });
});
