/**
 * An MQTT topic as a stream source: QoS 1 with a persistent session (clean: false) under a
 * stable client id, so the broker keeps what is published while no consumer is connected.
 * Each message is stored in the inbox *before* its PUBACK goes out (mqtt.js acknowledges
 * when `handleMessage` calls back), so an acknowledged message is never lost; one that was
 * delivered but not acknowledged when the process died is delivered again, and the inbox's
 * dedup by id drops the copy.
 *
 * A broker that is down or goes away is retried with backoff (0.5 s doubling to 10 s); the
 * state (connecting, connected, down with the reason and the next try) is `status`.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { StreamInbox } from './inbox.js';

export type SourceState = 'starting' | 'connecting' | 'connected' | 'down' | 'watching' | 'listening' | 'stopped';

export interface SourceStatus {
  readonly state: SourceState;
  /** Why it is down (the last error), or what it is watching. */
  readonly detail?: string;
  /** When a down source tries again (ms since the epoch). */
  readonly retryAt?: number;
  readonly since: number;
}

export interface StreamSource {
  start(): void;
  stop(): Promise<void>;
  status(): SourceStatus;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export interface MqttSourceOptions {
  readonly url: string;
  readonly topic: string;
  readonly clientId: string;
  readonly inbox: StreamInbox;
  /** Called after each stored message (counts for throughput). */
  readonly onStored?: (count: number) => void;
  readonly onStatus?: (status: SourceStatus) => void;
}

export class MqttSource implements StreamSource {
  private client: MqttClient | undefined;
  private current: SourceStatus = { state: 'starting', since: Date.now() };
  private retryMs = FIRST_RETRY_MS;
  private lastError: string | undefined;

  constructor(private readonly options: MqttSourceOptions) {}

  status(): SourceStatus {
    return this.current;
  }

  private set(status: Omit<SourceStatus, 'since'>): void {
    if (status.state === this.current.state && status.detail === this.current.detail && status.retryAt === this.current.retryAt) return;
    this.current = { ...status, since: Date.now() };
    this.options.onStatus?.(this.current);
  }

  start(): void {
    if (this.client) return;
    const { url, topic, clientId, inbox } = this.options;
    this.set({ state: 'connecting', detail: url });
    const client = mqtt.connect(url, {
      clientId,
      clean: false,
      reconnectPeriod: FIRST_RETRY_MS,
      connectTimeout: 5_000,
      keepalive: 30,
      resubscribe: false,
    });
    this.client = client;
    client.handleMessage = (packet, callback) => {
      try {
        const counts = inbox.ingest([packet.payload.toString()]);
        this.options.onStored?.(counts.stored);
        callback();
      } catch (error) {
        // Not stored (a full disk): no PUBACK, so the broker delivers it again.
        this.lastError = error instanceof Error ? error.message : String(error);
        callback(error instanceof Error ? error : new Error(this.lastError));
      }
    };
    client.on('connect', (connack) => {
      this.retryMs = FIRST_RETRY_MS;
      client.options.reconnectPeriod = FIRST_RETRY_MS;
      this.lastError = undefined;
      this.set({ state: 'connected', detail: `${url} topic ${topic}` });
      // A session the broker kept still has the subscription; a new one needs it.
      if (!connack.sessionPresent) {
        client.subscribe(topic, { qos: 1 }, (error) => {
          if (error) this.set({ state: 'down', detail: `could not subscribe to ${topic}: ${error.message}` });
        });
      }
    });
    client.on('error', (error) => {
      this.lastError = describe(error);
    });
    client.on('close', () => {
      if (this.current.state === 'stopped') return;
      const wait = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
      client.options.reconnectPeriod = this.retryMs;
      this.set({ state: 'down', detail: `broker ${url} unreachable${this.lastError ? `: ${this.lastError}` : ''}`, retryAt: Date.now() + wait });
    });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.set({ state: 'stopped' });
    this.client = undefined;
    if (client) await client.endAsync(true).catch(() => {});
  }
}

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
