/** The WebSocket event stream: every EngineEvent of every run, one JSON message each. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineEvent } from '../engine/index.js';

/** A client this far behind (a stalled tab) is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class EventStream {
  // noServer: the HTTP server's upgrade handler checks host, origin and token first.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, clientTracking: true });

  accept(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (client: WebSocket) => {
      // Clients only listen; anything they send is ignored.
      client.on('error', () => client.terminate());
    });
  }

  broadcast(event: EngineEvent): void {
    const message = JSON.stringify(event);
    for (const client of this.wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (client.bufferedAmount > MAX_BUFFERED_BYTES) client.terminate();
      else client.send(message);
    }
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.close(1001, 'server shutting down');
    // close() waits for every client's closing handshake; one that never answers is cut off.
    const cutOff = setTimeout(() => {
      for (const client of this.wss.clients) client.terminate();
    }, 1000);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    clearTimeout(cutOff);
  }
}
