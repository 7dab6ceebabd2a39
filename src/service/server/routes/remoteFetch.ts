/**
 * `POST /v1/sessions/:id/remote/fetch`'s answer: one value, over the socket or, for a client on this
 * host that proved it (handoff.ts), through a shared-memory file.
 *
 * Over the socket the body is the value's bytes with a content length, a big tensor sent straight from
 * its chunks (resultBody.ts). Through the hand-off the answer (`application/x-tessera-handoff`) names
 * the file (`x-tessera-handoff-file`, one of the session's reused files: handoffPool.ts), the value's
 * length, and the value's own type and headers; the value is written from its chunks into the file's
 * first bytes piece by piece and the body says, after each piece, how many bytes are written (an f64
 * each), so the client copies out one piece while the next is written. A body that ends before the
 * length tells the client the hand-off failed (it fetches again over the socket). The client gives the
 * file back with a later request (`handoffDone`), and only then may it hold another result.
 */
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../../../session/index.js';
import {
  HANDOFF_FILE_HEADER, HANDOFF_LENGTH_HEADER, HANDOFF_MIN_BYTES, HANDOFF_SECRET_HEADER, HANDOFF_TYPE, VALUE_TYPE_HEADER,
} from '../../wire/values.js';
import type { HandoffDir, LentSlot } from '../handoff.js';
import { resultBody } from '../resultBody.js';
import type { RemoteRequest } from './remote.js';

/** The file is written in pieces of at most this size, so reading overlaps writing. */
const PIECE_BYTES = 4 * 1024 * 1024;
const FIRST_PIECE_BYTES = 1024 * 1024;
/** Sessions whose close already removes their hand-off files. */
const watched = new WeakSet<Session>();

export async function sendResult(r: RemoteRequest, reply: FastifyReply, request: FastifyRequest, handoff: HandoffDir | undefined): Promise<FastifyReply> {
  const body = await resultBody(r.engine, r.host.node(r.body['key']));
  const parts = body.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
  const slot = handoff && body.byteLength >= HANDOFF_MIN_BYTES && handoff.accepts(request.headers[HANDOFF_SECRET_HEADER]) ? await lend(handoff, r, body.byteLength) : undefined;
  if (handoff && slot) {
    const progress = new PassThrough();
    void reply
      .type(HANDOFF_TYPE)
      .headers({ ...body.headers, [VALUE_TYPE_HEADER]: body.contentType, [HANDOFF_FILE_HEADER]: slot.name, [HANDOFF_LENGTH_HEADER]: String(body.byteLength) })
      .send(progress);
    void writePieces(parts, slot.handle, progress, () => reply.raw.destroyed).then(
      () => {
        handoff.pool.written(slot, body.byteLength);
        progress.end();
      },
      (e: unknown) => {
        handoff.pool.written(slot, 0);
        handoff.pool.drop(slot.name);
        progress.destroy(e as Error);
      },
    );
    return reply;
  }
  reply.type(body.contentType).headers(body.headers).header('content-length', String(body.byteLength));
  return reply.send(parts.length === 1 ? parts[0] : Readable.from(parts, { objectMode: false }));
}

/** A slot of the session's hand-off files, or undefined when none can be had (the socket answers). */
async function lend(handoff: HandoffDir, r: RemoteRequest, bytes: number): Promise<LentSlot | undefined> {
  if (!watched.has(r.engine)) {
    watched.add(r.engine);
    r.engine.once('close', () => handoff.pool.dropSession(r.id));
  }
  try {
    return await handoff.pool.lend(r.id, bytes);
  } catch {
    // /dev/shm is full, or the server is closing.
    return undefined;
  }
}

async function writePieces(parts: readonly Buffer[], handle: FileHandle, progress: PassThrough, gone: () => boolean): Promise<void> {
  let at = 0;
  const mark = Buffer.alloc(8);
  // A first mark of 0 sends the answer's headers now: the client opens the file while it is written.
  progress.write(Buffer.from(mark));
  for (const part of parts) {
    for (let from = 0; from < part.byteLength; ) {
      if (gone()) throw new Error('the client went away');
      // Small first pieces start the client's copy early; later ones are bigger, with fewer marks.
      const piece = part.subarray(from, Math.min(part.byteLength, from + Math.min(PIECE_BYTES, Math.max(FIRST_PIECE_BYTES, at))));
      for (let done = 0; done < piece.byteLength; ) done += (await handle.write(piece, done, piece.byteLength - done, at + done)).bytesWritten;
      from += piece.byteLength;
      at += piece.byteLength;
      mark.writeDoubleLE(at, 0);
      progress.write(Buffer.from(mark));
    }
  }
}
