/**
 * The headless host's small parts, without a child process: a module's result made fit to leave its
 * process, log text cut into whole lines, and the comlink endpoint over an IPC channel (two fake ports
 * wired back to back, with a structured clone in between as `serialization: 'advanced'` makes).
 */
import * as Comlink from 'comlink';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { NdArray } from '../../../src/base/ndarray.js';
import { HeadlessError } from '../../../src/service/headless/errors.js';
import { ipcEndpoint, onlyCalls, type IpcPort } from '../../../src/service/headless/ipcEndpoint.js';
import { checkedOutcome } from '../../../src/service/headless/protocol.js';
import { LineSplitter } from '../../../src/service/headless/lines.js';
import { cloneableResult } from '../../../src/service/headless/result.js';

describe('cloneableResult', () => {
  it('turns fetched arrays into dtype, shape and data, anywhere in the result, and keeps the rest', () => {
    const a = new NdArray('float64', [2, 2], new Float64Array([1, 2, 3, 4]));
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const out = cloneableResult({ a, list: [a, 1n, null, 'x'], map: new Map([['k', a]]), set: new Set([3]), when: new Date(0), cyclic }) as Record<string, unknown>;
    expect(out.a).toEqual({ dtype: 'float64', shape: [2, 2], data: new Float64Array([1, 2, 3, 4]) });
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect((out.list as unknown[])[0]).toBe(out.a);
    expect((out.map as Map<string, unknown>).get('k')).toBe(out.a);
    expect(out.set).toEqual(new Set([3]));
    const loop = out.cyclic as Record<string, unknown>;
    expect(loop.self).toBe(loop);
    // What comes out survives a structured clone, which is what the IPC channel does.
    expect(structuredClone(out)).toEqual(out);
  });

  it.each([
    [{ f: () => 1 }, 'result.f is a function'],
    [[1, Symbol('s')], 'result[1] is a symbol'],
    [{ p: Promise.resolve(1) }, 'result.p is a promise (await it before returning)'],
    [{ deep: { thing: new (class Widget {})() } }, 'result.deep.thing is an instance of Widget'],
  ])('refuses %o with ResultNotCloneable naming where the trouble is', (value, where) => {
    let caught: unknown;
    try {
      cloneableResult(value);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HeadlessError);
    expect((caught as HeadlessError).code).toBe('ResultNotCloneable');
    expect((caught as HeadlessError).message).toContain(where);
  });
});

describe('LineSplitter', () => {
  it('joins a line written in pieces and cuts runaway lines at the limit', () => {
    const got: string[] = [];
    const lines = new LineSplitter((text) => got.push(text), 8);
    lines.push('hel');
    lines.push('lo\nwor');
    lines.push('ld\nsecond\n');
    lines.push('abcdefghijkl');
    lines.push('m');
    lines.flush();
    expect(got).toEqual(['hello', 'world\nsecond', 'abcdefgh', 'ijklm']);
  });
});

/** Two ends of a channel; each message is structured-cloned on the way, as advanced IPC serialization does. */
function portPair(): [IpcPort, IpcPort] {
  const make = (peer: () => EventEmitter, self: EventEmitter): IpcPort => ({
    send: (message, callback) => {
      const copy = structuredClone(message);
      setImmediate(() => {
        peer().emit('message', copy);
        callback(null);
      });
    },
    on: (event, listener) => self.on(event, listener),
    off: (event, listener) => self.off(event, listener),
  });
  const a = new EventEmitter();
  const b = new EventEmitter();
  return [make(() => b, a), make(() => a, b)];
}

describe('ipcEndpoint', () => {
  it('carries comlink calls both ways on one channel, each conversation on its own tag', async () => {
    const [host, child] = portPair();
    const heard: string[] = [];
    Comlink.expose({ log: (t: string) => void heard.push(t) }, ipcEndpoint(host, 'hooks'));
    const hooks = Comlink.wrap<{ log(t: string): void }>(ipcEndpoint(child, 'hooks'));
    Comlink.expose({ square: async (x: Float64Array) => {
      await hooks.log(`squaring ${x.length}`);
      return x.map((v) => v * v);
    } }, ipcEndpoint(child, 'api'));
    const api = Comlink.wrap<{ square(x: Float64Array): Float64Array }>(ipcEndpoint(host, 'api'));
    const result = await api.square(new Float64Array([1, 2, 3]));
    expect(result).toEqual(new Float64Array([1, 4, 9]));
    expect(result).toBeInstanceOf(Float64Array);
    expect(heard).toEqual(['squaring 3']);
  });

  it('refuses to transfer anything between processes, saying so', () => {
    const [host] = portPair();
    const ep = ipcEndpoint(host, 'api');
    const buffer = new ArrayBuffer(8);
    expect(() => ep.postMessage({}, [buffer])).toThrow(/Nothing can be transferred between processes/);
  });

  it('removes the listeners it added', () => {
    const self = new EventEmitter();
    const port: IpcPort = { send: () => {}, on: (e, l) => self.on(e, l), off: (e, l) => self.off(e, l) };
    const ep = ipcEndpoint(port, 'x');
    const listener = (): void => {};
    ep.addEventListener('message', listener);
    expect(self.listenerCount('message')).toBe(1);
    ep.removeEventListener('message', listener);
    expect(self.listenerCount('message')).toBe(0);
  });
});

describe('what the host takes from the child', () => {
  it('an outcome only if it has the shape of one (known failure code, string message)', () => {
    expect(checkedOutcome({ ok: true, result: [1, 2] })).toEqual({ ok: true, result: [1, 2] });
    expect(checkedOutcome({ ok: true, result: undefined })).toEqual({ ok: true, result: undefined });
    expect(checkedOutcome({ ok: false, error: { code: 'ModuleFailed', message: 'boom', extra: 1 } })).toEqual({ ok: false, error: { code: 'ModuleFailed', message: 'boom' } });
    for (const answer of [undefined, null, 7, { ok: true }, { ok: 'yes', result: 1 }, { ok: false }, { ok: false, error: { code: 'Pwned', message: 'x' } }, { ok: false, error: { code: 'Stopped', message: 3 } }]) {
      expect(checkedOutcome(answer), JSON.stringify(answer)).toEqual({ ok: false, error: { code: 'HostFailed', message: 'The child answered the run with something that is not an outcome.' } });
    }
  });

  it('through onlyCalls, only calls of the named methods with the arguments each takes reach an exposed object', async () => {
    const [hostSide, childSide] = portPair();
    const calls: unknown[][] = [];
    const hooks = { log: (...args: unknown[]) => void calls.push(args), ready: () => void calls.push(['ready']) };
    Comlink.expose(hooks, onlyCalls(ipcEndpoint(hostSide, 'hooks'), { log: ['string', 'data'], ready: [] }));
    const remote = Comlink.wrap<typeof hooks>(ipcEndpoint(childSide, 'hooks'));
    const answers: string[] = [];
    childSide.on('message', (m) => answers.push(String((m as { data: { id: string } }).data.id)));
    const send = (data: Record<string, unknown>): void => childSide.send({ __tesseraIpc: 'hooks', data }, () => {});
    send({ id: 'set', type: 'SET', path: ['constructor', 'prototype', 'polluted'], value: { type: 'RAW', value: 1 } });
    send({ id: 'get', type: 'GET', path: ['log'] });
    send({ id: 'deep', type: 'APPLY', path: ['log', 'call'], argumentList: [] });
    send({ id: 'object-arg', type: 'APPLY', path: ['log'], argumentList: [{ type: 'RAW', value: { a: 1 } }, { type: 'RAW', value: 2 }] });
    send({ id: 'arity', type: 'APPLY', path: ['log'], argumentList: [{ type: 'RAW', value: 'one' }] });
    send({ id: 'inherited', type: 'APPLY', path: ['toString'], argumentList: [] });
    send({ id: 'handler-arg', type: 'APPLY', path: ['log'], argumentList: [{ type: 'RAW', value: 'x' }, { type: 'HANDLER', name: 'proxy', value: {} }] });
    await remote.log('fine', { n: 2 });
    await remote.ready();
    expect(calls).toEqual([['fine', { n: 2 }], ['ready']]);
    expect(answers.filter((id) => ['set', 'get', 'deep', 'object-arg', 'arity', 'inherited', 'handler-arg'].includes(id))).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
