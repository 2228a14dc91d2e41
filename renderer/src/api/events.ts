import type { EngineEvent } from './protocol';

export type SocketStatus = 'connecting' | 'open' | 'closed';

interface SocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(): void;
}

export interface EventSocketOptions {
  url: () => string;
  onEvent: (event: EngineEvent) => void;
  onStatus?: (status: SocketStatus, reconnected: boolean) => void;
  create?: (url: string) => SocketLike;
  /** First retry delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The engine's event stream over a WebSocket that reconnects with backoff. After a
 * reconnect the caller re-reads the runs it follows, since events sent meanwhile are lost.
 */
export class EventSocket {
  private socket: SocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay: number;
  private stopped = false;
  private everOpened = false;

  constructor(private readonly options: EventSocketOptions) {
    this.delay = options.minDelayMs ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
  }

  private connect(): void {
    const create = this.options.create ?? ((url: string) => new WebSocket(url));
    this.options.onStatus?.('connecting', false);
    const socket = create(this.options.url());
    this.socket = socket;
    socket.onopen = () => {
      this.delay = this.options.minDelayMs ?? 500;
      this.options.onStatus?.('open', this.everOpened);
      this.everOpened = true;
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let event: EngineEvent;
      try {
        event = JSON.parse(message.data) as EngineEvent;
      } catch {
        return;
      }
      if (event && typeof event.type === 'string') this.options.onEvent(event);
    };
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.options.onStatus?.('closed', false);
      if (this.stopped) return;
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, this.options.maxDelayMs ?? 5000);
    };
  }
}
