/**
 * The MONITOR watcher the distributed tests use to see which keys Redis was asked for
 * (test/support/redisMonitor.ts): a command line that arrives in the same packet as MONITOR's OK
 * is a command, not a stray reply (ioredis's `monitor()` failed a CI run on exactly that); arguments
 * come back unescaped, byte for byte; a refused MONITOR rejects.
 */
import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settles } from '../../../support/events.js';
import { commandArgs, watchCommands } from '../../../support/redisMonitor.js';
import { redisForSuite } from '../../../support/redisServer.js';

const server = redisForSuite();

/** A fake server that answers MONITOR with `reply` in one write. */
async function fakeServer(reply: string): Promise<{ url: string; server: Server }> {
  const fake = createServer((socket) => socket.once('data', () => socket.write(reply)));
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const address = fake.address();
  if (address === null || typeof address === 'string') throw new Error('the fake server has no port');
  return { url: `redis://127.0.0.1:${address.port}`, server: fake };
}

describe('watchCommands', () => {
  let client: Redis;
  beforeAll(() => {
    client = new Redis(server().url);
  });
  afterAll(() => client.disconnect());

  it('takes a command that shares a packet with the OK as a command', async () => {
    const fake = await fakeServer('+OK\r\n+1796565328.439877 [0 127.0.0.1:60248] "smembers" "tessera:pool:tessera:sessions"\r\n');
    const seen: string[][] = [];
    const arrived = new Promise<void>((resolve) => {
      void watchCommands(fake.url, (args) => {
        seen.push(args);
        resolve();
      }).then((watch) => arrived.finally(() => watch.close()));
    });
    await settles(arrived, 'the command in the OK packet');
    expect(seen).toEqual([['smembers', 'tessera:pool:tessera:sessions']]);
    fake.server.close();
  });

  it('rejects, naming the reply, when the server refuses MONITOR', async () => {
    const fake = await fakeServer('-NOPERM this user has no permissions to run the monitor command\r\n');
    await expect(watchCommands(fake.url, () => {})).rejects.toThrow('Redis refused MONITOR: -NOPERM');
    fake.server.close();
  });

  it('sees every command sent after it resolves, arguments unescaped byte for byte', async () => {
    const keys: string[] = [];
    const watch = await watchCommands(server().url, (args) => {
      if (args[0] === 'set') keys.push(args[1]!);
    });
    const awkward = 'a "quoted" \\ back\nslash\r\t\x07\b\x00\xff é';
    await client.set(awkward, '1');
    await client.set('marker', '1');
    await settles(
      (async () => {
        while (!keys.includes('marker')) await new Promise((r) => setTimeout(r, 5));
      })(),
      'the marker SET',
    );
    watch.close();
    // Redis sees bytes: é arrives as its two UTF-8 bytes, each escaped, and comes back as two latin1 characters.
    expect(keys).toEqual([Buffer.from(awkward).toString('latin1'), 'marker']);
  });

  it('parses a line without arguments to none', () => {
    expect(commandArgs('+OK')).toEqual([]);
    expect(commandArgs('+1.5 [0 unix:/tmp/r.sock] "ping"')).toEqual(['ping']);
  });
});
