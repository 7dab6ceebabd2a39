/**
 * `SET key value EX ttl` whose value is written to the socket piece by piece (chunkCodec's
 * `encodeChunkPieces`: the header, then each part over the chunk's own memory). ioredis copies a
 * Buffer argument into one command buffer, and a pipeline copies its commands into another, so a
 * 64 MiB chunk cost three fresh 64 MiB buffers (the encoding, the command, the pipeline) before the
 * socket saw a byte; on this VM first touching fresh memory costs milliseconds per MB. Here the socket
 * queues the pieces themselves, and the chunk's memory is only read.
 *
 * ioredis writes a command by calling its `toWritable(socket)` and writing what it returns, in the
 * connection's order; the pieces are written to that socket right there, so they keep that order. Only
 * for a command sent on its own (`redis.sendCommand`): inside a pipeline the socket given is not where
 * the pipeline's own bytes are gathered, and the pieces would overtake them.
 */
import { Command } from 'ioredis';

interface Writable {
  write(data: Uint8Array | string): boolean;
}

export class SetPiecesCommand extends Command {
  readonly #key: string;
  readonly #pieces: readonly Uint8Array[];
  readonly #byteLength: number;
  readonly #ttlSeconds: number;

  constructor(key: string, pieces: readonly Uint8Array[], byteLength: number, ttlSeconds: number) {
    // The arguments ioredis shows in errors and debug output; the bytes sent are toWritable's.
    super('set', [key, `<${byteLength} bytes>`, 'EX', String(ttlSeconds)]);
    this.#key = key;
    this.#pieces = pieces;
    this.#byteLength = byteLength;
    this.#ttlSeconds = ttlSeconds;
  }

  override toWritable(socket: object): string {
    const out = socket as Writable;
    const key = Buffer.from(this.#key, 'utf8');
    const ttl = String(this.#ttlSeconds);
    out.write(`*5\r\n$3\r\nSET\r\n$${key.byteLength}\r\n`);
    out.write(key);
    out.write(`\r\n$${this.#byteLength}\r\n`);
    for (const piece of this.#pieces) if (piece.byteLength > 0) out.write(piece);
    return `\r\n$2\r\nEX\r\n$${ttl.length}\r\n${ttl}\r\n`;
  }
}
