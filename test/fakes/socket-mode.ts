/**
 * A loopback fake of Slack's Socket Mode WebSocket endpoint (a `ws` server): greets each connection
 * with `hello`, sends envelopes (`events_api`, `slash_commands`…) and records the app's acks by
 * envelope_id.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
  /** performance.now() when the ack arrived (the fake Slack API stamps its calls the same way). */
  at: number;
}

export interface SocketConnection {
  path: string;
  /** How the connection ended: the app sent a close frame, or the socket just went away. */
  ended?: 'client-close' | 'dropped';
}

export class FakeSocketMode {
  readonly acks: SocketAck[] = [];
  /** Every text message the app sent (acks included), parsed. */
  readonly received: unknown[] = [];
  readonly connections: SocketConnection[] = [];
  private current: WebSocket | undefined;
  private server: WebSocketServer | undefined;
  private port = 0;
  private envelopeCounter = 0;
  private connectionCounter = 0;

  async start(): Promise<this> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    server.on('connection', (socket, req) => this.accept(socket, req.url ?? '/'));
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** A fresh URL like the one `apps.connections.open` returns (each names its own connection). */
  nextUrl(): string {
    this.connectionCounter += 1;
    return `ws://127.0.0.1:${this.port}/link/?ticket=fake-ticket-${this.connectionCounter}&app_id=A0MIGRATE1`;
  }

  /** Whether the app holds an open connection. */
  get connected(): boolean {
    return this.current !== undefined;
  }

  /** Send any message on the open connection. */
  send(message: Record<string, unknown>): void {
    if (this.current === undefined) throw new Error('fake Socket Mode: no app is connected');
    this.current.send(JSON.stringify(message));
  }

  /** Send an envelope of `type` carrying `payload`; returns its envelope_id. */
  sendEnvelope(type: 'events_api' | 'slash_commands' | 'interactive', payload: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
    this.envelopeCounter += 1;
    const envelopeId = `fake-envelope-${String(this.envelopeCounter).padStart(4, '0')}`;
    this.send({
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      ...extra,
    });
    return envelopeId;
  }

  ackFor(envelopeId: string): SocketAck | undefined {
    return this.acks.find((ack) => ack.envelope_id === envelopeId);
  }

  /** Ask the app to reconnect, as Slack does before recycling a connection. */
  requestDisconnect(reason = 'refresh_requested'): void {
    this.send({ type: 'disconnect', reason, debug_info: { host: 'fake-socket-mode' } });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: WebSocket, path: string): void {
    const connection: SocketConnection = { path };
    this.connections.push(connection);
    this.current = socket;
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const at = performance.now();
      const message = JSON.parse(data.toString()) as unknown;
      this.received.push(message);
      if (typeof message === 'object' && message !== null && typeof (message as SocketAck).envelope_id === 'string') this.acks.push({ ...(message as Omit<SocketAck, 'at'>), at });
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      // 1006: the connection went away without a close frame.
      connection.ended ??= code === 1006 ? 'dropped' : 'client-close';
      if (this.current === socket) this.current = undefined;
    });
    this.send({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0MIGRATE1' }, debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18_060 } });
  }
}
