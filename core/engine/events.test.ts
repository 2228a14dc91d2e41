import { afterEach, describe, expect, it } from 'vitest';
import { Harness, pipeline } from './test-support/harness.js';

describe('event stream', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('reports a run from start to finish, with progress, logs and metric series, and stores them', async () => {
    harness = new Harness();
    const result = await harness.run(pipeline([{ id: 'nap', type: 'test.sleep', params: { ms: 50, tag: 'x' } }], []));
    const types = harness.events.map((event) => event.type);
    expect(types[0]).toBe('run.started');
    expect(types.at(-1)).toBe('run.finished');
    const states = harness.events.flatMap((event) => (event.type === 'node.state' ? [event.status] : []));
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    expect(harness.events.some((event) => event.type === 'node.progress' && event.fraction === 1)).toBe(true);
    const steps = harness.events.flatMap((event) => (event.type === 'node.metric' ? [event.step] : []));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const stored = harness.store.getRun(result.runId)!;
    expect(stored.status).toBe('succeeded');
    expect(stored.nodes.nap).toMatchObject({ status: 'succeeded', cached: false });
    expect(stored.series.nap!.step!.length).toBe(10);
    expect(stored.logs.map((log) => log.message)).toEqual(['start x', 'end x']);
  });
});
