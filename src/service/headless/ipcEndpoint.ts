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

/**
 * What a method accepts, argument by argument: a string, or `data` — any value the channel's structured
 * clone rebuilt (no functions, prototypes or getters survive it), which the method must check itself.
 */
export type ArgKind = 'string' | 'data';
export type CallSpec = Readonly<Record<string, readonly ArgKind[]>>;

/**
 * The request of a call to a method of `methods` with the arguments it takes, rebuilt from the peer's
 * message, or undefined for anything else. Comlink's `expose` would otherwise GET, SET, CONSTRUCT or
 * APPLY along any property path the peer names (`constructor.prototype.x` reaches Object.prototype)
 * and open whatever its arguments claim to be (a `proxy` argument makes it call `.start()` on data).
 */
function callOf(data: unknown, methods: CallSpec): unknown {
  if (typeof data !== 'object' || data === null) return undefined;
  const { id, type, path, argumentList } = data as Record<string, unknown>;
  if (typeof id !== 'string' || type !== 'APPLY' || !Array.isArray(path) || path.length !== 1) return undefined;
  const name = path[0];
  const kinds = typeof name === 'string' && Object.hasOwn(methods, name) ? methods[name]! : undefined;
  const args = argumentList ?? [];
  if (kinds === undefined || !Array.isArray(args) || args.length !== kinds.length) return undefined;
  const values: unknown[] = [];
  for (const [i, arg] of args.entries()) {
    const { type: wireType, value } = (typeof arg === 'object' && arg !== null ? arg : {}) as Record<string, unknown>;
    if (wireType !== 'RAW' || (kinds[i] === 'string' && typeof value !== 'string')) return undefined;
    values.push(value);
  }
  return { id, type: 'APPLY', path: [name], argumentList: values.map((value) => ({ type: 'RAW', value })) };
}

/**
 * An endpoint for `Comlink.expose` to an untrusted peer: it passes on only calls of the methods
 * `methods` names (own methods of the exposed object) with the arguments each takes, rebuilt as fresh
 * requests, and drops every other message unanswered.
 */
export function onlyCalls(endpoint: Endpoint, methods: CallSpec): Endpoint {
  const allowed = methods;
  const wrapped = new Map<Listener, (event: MessageEvent) => void>();
  return {
    postMessage: (message, transfer) => endpoint.postMessage(message, transfer),
    addEventListener(type: string, listener: Listener): void {
      if (wrapped.has(listener)) return;
      const onMessage = (event: MessageEvent): void => {
        const call = callOf(event.data, allowed);
        if (call === undefined) return;
        const filtered = { data: call } as MessageEvent;
        if (typeof listener === 'function') listener(filtered);
        else listener.handleEvent(filtered);
      };
      wrapped.set(listener, onMessage);
      endpoint.addEventListener(type, onMessage as Listener);
    },
    removeEventListener(type: string, listener: Listener): void {
      const onMessage = wrapped.get(listener);
      if (onMessage === undefined) return;
      wrapped.delete(listener);
      endpoint.removeEventListener(type, onMessage as Listener);
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
