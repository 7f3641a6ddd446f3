import { connect, Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

/**
 * Cuts a Kafka client off the real broker and restores it, at the socket level (kafkajs
 * `socketFactory`): the broker stays up for every other client and nothing about Kafka is faked.
 */
export class NetworkSwitch {
  private readonly sockets = new Set<Socket>();
  private down = false;

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    if (this.down) {
      const refused = new Socket();
      process.nextTick(() => refused.destroy(new Error(`network to ${host}:${port} is cut (test)`)));
      return refused;
    }
    const socket = connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  };

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy(new Error('network cut (test)'));
  }

  restore(): void {
    this.down = false;
  }
}
