import { connect, Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/**
 * Cuts a Kafka client off the real broker and restores it, at the socket level (kafkajs
 * `socketFactory`): the broker stays up for every other client and nothing about Kafka is faked.
 */
export class NetworkSwitch {
  private readonly sockets = new Set<Socket>();
  private mode: 'up' | 'down' | 'deaf' | 'no-produce' = 'up';

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    if (this.mode === 'down') {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new Error(`network to ${host}:${port} is cut (test)`)));
      return refused;
    }
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    // kafkajs writes one whole request per call: size (4 bytes), then the API key (2 bytes; 0 = Produce).
    socket.write = (chunk: unknown, ...rest: unknown[]) =>
      this.mode === 'no-produce' && Buffer.isBuffer(chunk) && chunk.length >= 6 && chunk.readInt16BE(4) === 0
        ? true
        : write(chunk, ...rest);
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

  /**
   * Produce requests are lost on the way to the broker (never answered); metadata, producer ids and
   * every other request still work: the cluster looks healthy while no write gets through.
   */
  swallowProduce(): void {
    this.mode = 'no-produce';
  }

  restore(): void {
    // Requests sent while deaf or swallowed would never be answered: their connections are dropped.
    const unanswered = this.mode === 'deaf' || this.mode === 'no-produce';
    this.mode = 'up';
    if (unanswered) for (const socket of this.sockets) socket.destroy(new Error('network restored (test)'));
  }
}
