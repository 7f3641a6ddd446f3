import { connect, Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/**
 * Cuts a Kafka client off the real broker and restores it, at the socket level (kafkajs
 * `socketFactory`): the broker stays up for every other client and nothing about Kafka is faked.
 */
export class NetworkSwitch {
  private readonly sockets = new Set<Socket>();
  private mode: 'up' | 'down' | 'deaf' = 'up';

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    if (this.mode === 'down') {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new Error(`network to ${host}:${port} is cut (test)`)));
      return refused;
    }
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    if (this.mode === 'deaf') socket.pause();
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  };

  cut(): void {
    this.mode = 'down';
    for (const socket of this.sockets) socket.destroy(new Error('network cut (test)'));
  }

  /**
   * Requests still reach the broker, which stores and answers them, but no answer reaches the client:
   * the "response lost after the write" fault. The paused sockets are dropped on restore().
   */
  dropResponses(): void {
    this.mode = 'deaf';
    for (const socket of this.sockets) socket.pause();
  }

  restore(): void {
    const wasDeaf = this.mode === 'deaf';
    this.mode = 'up';
    if (wasDeaf) for (const socket of this.sockets) socket.destroy(new Error('network restored (test)'));
  }
}
