/**
 * Responses that stay open and are written as things happen (`GET /v1/events`, followed logs, the
 * dashboard's DAG events). Every one is held to the same rules: its headers go out at once (a client
 * following an empty log must not wait for a first line to learn that the request was accepted), it is
 * dropped once its client leaves more than MAX_UNREAD_BYTES unread (the server would otherwise hold
 * every patch, line or snapshot for a client that never reads; a dropped client reconnects and gets a
 * fresh snapshot), and `endAll` ends every open one when the server closes, so no client is left
 * hanging on a server that is gone.
 */
import type { FastifyReply } from 'fastify';

export const MAX_UNREAD_BYTES = 16 * 2 ** 20;

export interface LiveStream {
  /** Writes `text`, or drops the client if it has left more than MAX_UNREAD_BYTES unread. No-op once ended. */
  write(text: string): void;
  end(): void;
  /** Whether it has ended (a write can end it, by dropping its client). */
  readonly ended: boolean;
}

export class LiveStreams {
  readonly #open = new Set<() => void>();

  /**
   * Takes the response over from fastify (hijacked) and opens it with `contentType`. `cleanup` runs
   * once, when the response ends for any reason (ended here, dropped, closed by the client).
   */
  open(reply: FastifyReply, contentType: string, cleanup: () => void): LiveStream {
    const res = reply.raw;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.#open.delete(end);
      cleanup();
      res.end();
    };
    reply.hijack();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    this.#open.add(end);
    res.once('close', end);
    res.once('error', end);
    const write = (text: string): void => {
      if (ended) return;
      res.write(text);
      if (res.writableLength > MAX_UNREAD_BYTES) {
        end();
        res.destroy();
      }
    };
    return { write, end, get ended() { return ended; } };
  }

  /** How many streams are open now. */
  get size(): number {
    return this.#open.size;
  }

  endAll(): void {
    for (const end of [...this.#open]) end();
  }
}
