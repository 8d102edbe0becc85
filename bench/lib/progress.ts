/**
 * Progress of long work on stderr, so stdout stays the table and the JSON line. On a terminal
 * one line updates in place; in a log (CI, a pipe) a line is printed every 25%.
 */
export interface Progress {
  update(done: number): void;
  done(note?: string): void;
}

export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastQuarter = 0;
  const format = (done: number) => `${label}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.floor((done / Math.max(1, total)) * 100)}%)`;
  return {
    update(done) {
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r\x1b[2K${format(done)}`);
        return;
      }
      const quarter = Math.floor((done / Math.max(1, total)) * 4);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        stream.write(`${format(done)}\n`);
      }
    },
    done(note) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const line = `${label}: ${total.toLocaleString('en-US')} done in ${seconds} s${note ? ` (${note})` : ''}`;
      stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}

/** A one-off status line on stderr. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
