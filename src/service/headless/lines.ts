/**
 * Cuts a stream of text into whole lines, so a log line printed in two writes (or split across two
 * pipe reads) is one line in the session's log. A line longer than `maxLine` is cut there, so a module
 * printing without newlines cannot grow the buffer without end.
 */
export class LineSplitter {
  #partial = '';

  constructor(
    private readonly emit: (lines: string) => void,
    private readonly maxLine = 64 * 1024,
  ) {}

  push(text: string): void {
    const joined = this.#partial + text;
    const end = joined.lastIndexOf('\n');
    if (end >= 0) {
      this.emit(joined.slice(0, end));
      this.#partial = joined.slice(end + 1);
    } else {
      this.#partial = joined;
    }
    while (this.#partial.length > this.maxLine) {
      this.emit(this.#partial.slice(0, this.maxLine));
      this.#partial = this.#partial.slice(this.maxLine);
    }
  }

  /** The last line, when the stream ended without a newline. */
  flush(): void {
    if (this.#partial.length > 0) this.emit(this.#partial);
    this.#partial = '';
  }
}

/** The last `limit` characters written, to recognise how a process died (V8's out-of-memory report). */
export class TextTail {
  #text = '';
  constructor(private readonly limit = 8192) {}
  push(text: string): void {
    this.#text = (this.#text + text).slice(-this.limit);
  }
  get text(): string {
    return this.#text;
  }
}
