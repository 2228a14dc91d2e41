import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSocket, type SocketStatus } from './events';
import type { EngineEvent } from './protocol';

class FakeSocket {
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.({} as Event);
  }
  send(data: unknown) {
    this.onmessage?.({ data } as MessageEvent);
  }
  drop() {
    this.onclose?.({} as CloseEvent);
  }
}

describe('EventSocket', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes events on, reconnects with growing delays and says when it is back', () => {
    const sockets: FakeSocket[] = [];
    const events: EngineEvent[] = [];
    const statuses: [SocketStatus, boolean][] = [];
    const socket = new EventSocket({
      url: () => 'ws://127.0.0.1:1/api/events',
      create: (url) => {
        const fake = new FakeSocket(url);
        sockets.push(fake);
        return fake;
      },
      onEvent: (event) => events.push(event),
      onStatus: (status, reconnected) => statuses.push([status, reconnected]),
      minDelayMs: 100,
      maxDelayMs: 300,
    });
    socket.start();
    sockets[0]!.open();
    sockets[0]!.send(JSON.stringify({ type: 'run.finished', runId: 'r', status: 'succeeded', ms: 1, at: 1 }));
    sockets[0]!.send('not json');
    expect(events).toHaveLength(1);

    sockets[0]!.drop();
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    sockets[2]!.open();
    expect(statuses.filter(([status]) => status === 'open')).toEqual([
      ['open', false],
      ['open', true],
    ]);

    socket.stop();
    expect(sockets[2]!.closed).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(3);
  });
});
