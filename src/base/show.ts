/**
 * Values in error messages. A message about a bad argument must not itself throw while naming it:
 * `JSON.stringify` throws on bigints and cycles and a template literal throws on symbols, which turned
 * `zeros([2n])` into "Do not know how to serialize a BigInt". `show` never throws and stays short.
 */
const MAX = 60;

function json(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function show(value: unknown): string {
  let text: string;
  switch (typeof value) {
    case 'string':
      text = JSON.stringify(value);
      break;
    case 'bigint':
      text = `${value}n`;
      break;
    case 'symbol':
      text = value.toString();
      break;
    case 'function':
      text = value.name ? `function ${value.name}` : 'a function';
      break;
    case 'object':
      text = value === null ? 'null' : json(value);
      break;
    default:
      text = String(value);
  }
  return text.length > MAX ? `${text.slice(0, MAX - 3)}...` : text;
}
