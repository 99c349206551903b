// Progress for long companion commands: a redrawn bar on stderr when it is a terminal, one
// line per finished phase when it is not (logs stay readable), nothing with --quiet. The
// library API takes any `Progress`; `silentProgress` is the default there.

export interface Progress {
  /** Starts a phase; `total` (rows, bytes…) enables the bar and a rate. */
  phase(label: string, total?: number, unit?: string): void;
  advance(n: number): void;
  /** A one-off message (warnings, dropped columns). */
  note(message: string): void;
  /** Ends the current phase. */
  done(): void;
}

export const silentProgress: Progress = { phase() {}, advance() {}, note() {}, done() {} };

export function stderrProgress(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  if (opts.quiet) return silentProgress;
  const out = opts.stream ?? process.stderr;
  const tty = Boolean(out.isTTY);
  let label = '';
  let total = 0;
  let unit = '';
  let done = 0;
  let t0 = 0;
  let lastDraw = 0;
  const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : String(Math.round(x)));
  const draw = (final = false) => {
    const secs = (Date.now() - t0) / 1000;
    let text: string;
    if (total > 0 || done > 0) {
      const rate = secs > 0 ? done / secs : 0;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const width = 28;
      const bar = total > 0 ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${(frac * 100).toFixed(0).padStart(3)}% ` : '';
      text = `${label} ${bar}${fmt(done)}${total ? `/${fmt(total)}` : ''} ${unit}${rate > 0 && secs > 0.05 ? ` (${fmt(rate)} ${unit}/s)` : ''}, ${secs.toFixed(1)}s`;
    } else {
      text = final ? `${label}: ${secs.toFixed(1)}s` : `${label}…`;
    }
    if (tty) out.write(`\r\x1b[2K${text}${final ? '\n' : ''}`);
    else if (final) out.write(text + '\n');
  };
  return {
    phase(l, tot = 0, u = '') {
      label = l;
      total = tot;
      unit = u;
      done = 0;
      t0 = Date.now();
      lastDraw = 0;
      if (tty) draw();
    },
    advance(n) {
      done += n;
      const now = Date.now();
      if (tty && now - lastDraw > 100) {
        lastDraw = now;
        draw();
      }
    },
    note(message) {
      if (tty) out.write('\r\x1b[2K');
      out.write(message + '\n');
    },
    done() {
      if (label) draw(true);
      label = '';
    },
  };
}
