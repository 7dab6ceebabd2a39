/**
 * A comlink `Endpoint` over a Node IPC channel (a forked `ChildProcess`, or `process` inside the child).
 * Comlink's own node adapter expects a `Worker`-like port; an IPC channel instead has `send` and
 * 'message' events carrying whatever the channel's serialization rebuilt (with `serialization:
 * 'advanced'`, structured clones: typed arrays arrive as typed arrays).
 *
 * One IPC channel carries several comlink conversations (the child's API one way, the host's hooks the
 * other), each in an envelope naming its channel, so an exposed object never sees the other side's
 * replies as requests. Nothing can be transferred between processes: a transfer list (comlink's
 * `transfer`, or a `proxy`, which transfers a MessagePort) is refused with an error saying so.
 */
import type { Endpoint } from 'comlink';

/** What both a `ChildProcess` and a forked child's `process` offer. */
export interface IpcPort {
  send(message: unknown, callback: (error: Error | null) => void): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

const TAG = '__tesseraIpc';

interface Envelope {
  readonly [TAG]: string;
  readonly data: unknown;
}

function isEnvelope(m: unknown): m is Envelope {
  return typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>)[TAG] === 'string';
}

type Listener = EventListenerOrEventListenerObject;

/**
 * `onSendError` hears of messages that could not be sent (the other side is gone); the host learns of a
 * dead child from its 'exit' instead, so by default they are dropped.
 */
export function ipcEndpoint(port: IpcPort, channel: string, onSendError: (error: Error) => void = () => {}): Endpoint {
  const wrapped = new Map<Listener, (message: unknown) => void>();
  return {
    postMessage(message: unknown, transfer?: readonly unknown[]): void {
      if (transfer !== undefined && transfer.length > 0) {
        throw new TypeError(
          'Nothing can be transferred between processes: comlink.transfer and comlink.proxy do not work over an IPC channel; pass plain data.',
        );
      }
      const envelope: Envelope = { [TAG]: channel, data: message };
      port.send(envelope, (error) => {
        if (error) onSendError(error);
      });
    },
    addEventListener(type: string, listener: Listener): void {
      if (type !== 'message' || wrapped.has(listener)) return;
      const onMessage = (message: unknown): void => {
        if (!isEnvelope(message) || message[TAG] !== channel) return;
        const event = { data: message.data } as MessageEvent;
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      wrapped.set(listener, onMessage);
      port.on('message', onMessage);
    },
    removeEventListener(type: string, listener: Listener): void {
      const onMessage = wrapped.get(listener);
      if (type !== 'message' || onMessage === undefined) return;
      wrapped.delete(listener);
      port.off('message', onMessage);
    },
  };
}

/** The forked child's own end of its IPC channel. */
export function parentPort(): IpcPort {
  const send = process.send?.bind(process);
  if (send === undefined) {
    throw new Error('This process has no IPC channel: it must be started with child_process.fork.');
  }
  return {
    send: (message, callback) => void send(message as never, undefined, undefined, callback),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
  };
}

/** The host's end of a forked child's IPC channel. */
export function childPort(child: import('node:child_process').ChildProcess): IpcPort {
  return {
    send: (message, callback) => void child.send(message as never, callback),
    on: (event, listener) => child.on(event, listener),
    off: (event, listener) => child.off(event, listener),
  };
}
