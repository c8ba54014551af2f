/**
 * Progress of long work on stderr: a bar redrawn in place on a terminal, a plain line every few
 * seconds otherwise (CI logs, pipes). It only listens; the work never waits for it.
 */

export interface Progress {
  advance(units: number, rows: number): void;
  finish(): void;
}

export function progressReporter(label: string, totalUnits: number, unitName: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const startedAt = Date.now();
  let units = 0;
  let rows = 0;
  let lastShown = 0;
  const tty = stream.isTTY === true;
  const every = tty ? 200 : 5000;

  const line = (): string => {
    const seconds = (Date.now() - startedAt) / 1000;
    const rate = rows / Math.max(seconds, 0.001);
    const fraction = totalUnits > 0 ? units / totalUnits : 1;
    const eta = fraction > 0 && fraction < 1 ? `ETA ${formatSeconds((seconds / fraction) * (1 - fraction))}` : '';
    const bar = tty ? `[${'#'.repeat(Math.round(fraction * 30)).padEnd(30, '.')}] ` : '';
    return `${label} ${bar}${units}/${totalUnits} ${unitName} ${(fraction * 100).toFixed(1)}% ${Math.round(rate)} rows/s ${formatSeconds(seconds)} ${eta}`.trimEnd();
  };

  return {
    advance(moreUnits, moreRows) {
      units += moreUnits;
      rows += moreRows;
      const now = Date.now();
      if (now - lastShown < every) return;
      lastShown = now;
      stream.write(tty ? `\r${line()}\x1b[K` : `${line()}\n`);
    },
    finish() {
      stream.write(tty ? `\r${line()}\x1b[K\n` : `${line()}\n`);
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${Math.round((seconds % 3600) / 60)}m`;
}
