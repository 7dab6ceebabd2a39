/**
 * Watches the commands a Redis server runs (MONITOR) over a plain socket.
 *
 * Not ioredis's `monitor()`: it enters its monitoring state in a promise callback after MONITOR's
 * `+OK`, so a command line that arrives in the same packet as that OK is parsed first, taken for the
 * reply to a command never sent, and fails the connection ("Command queue state error"). A server
 * that workers poll makes that likely, and it failed a CI run. Here the first line is the OK and
 * every later line is a command.
 */
import { connect, type Socket } from 'node:net';

export interface CommandWatch {
  close(): void;
}

/** Starts watching; resolves once Redis has confirmed MONITOR, so every later command is seen. */
export function watchCommands(url: string, onCommand: (args: string[]) => void): Promise<CommandWatch> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect({ host: hostname, port: Number(port || 6379) });
  return new Promise((resolve, reject) => {
    let confirmed = false;
    let pending = '';
    const fail = (err: Error) => {
      socket.destroy();
      if (!confirmed) reject(err);
    };
    socket.once('error', fail);
    socket.on('connect', () => socket.write('MONITOR\r\n'));
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      pending += text;
      let end: number;
      while ((end = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        if (confirmed) {
          onCommand(commandArgs(line));
        } else if (line === '+OK') {
          confirmed = true;
          resolve({ close: () => socket.destroy() });
        } else {
          fail(new Error(`Redis refused MONITOR: ${line}`));
          return;
        }
      }
    });
  });
}

/**
 * The arguments of one MONITOR line, `+<time> [<db> <client>] "<arg>" "<arg>" ...`, each unquoted
 * (Redis escapes `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` and other bytes as `\xHH`).
 */
export function commandArgs(line: string): string[] {
  const args: string[] = [];
  let i = line.indexOf('] "');
  if (i < 0) return args;
  i += 2;
  const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
  while (i < line.length && line[i] === '"') {
    let arg = '';
    i += 1;
    while (i < line.length && line[i] !== '"') {
      if (line[i] !== '\\') {
        arg += line[i++];
        continue;
      }
      const next = line[i + 1] ?? '';
      if (next === 'x') {
        arg += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
      } else {
        arg += simple[next] ?? next;
        i += 2;
      }
    }
    args.push(arg);
    i += 2; // the closing quote and the space before the next argument
  }
  return args;
}
