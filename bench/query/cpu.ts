// CPU the whole machine spends during a measured query, by party, sampled from /proc (Linux).
// On the bench's 2-core VM every query keeps both cores busy, so its wall time follows the CPU all
// parties spend on it: the page's threads, Chromium's browser/network/GPU processes and the pacing
// server. This is what makes a reader with more requests slower here even when it moves fewer bytes.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU milliseconds per party during one query window. */
export type CpuByParty = Record<string, number>;

/** A thread's (or process's) party and cumulative CPU ms. */
type Reading = [party: string, ms: number];

/** Every 20 ms: cumulative CPU time of each thread of interest, keyed by process and thread id. */
export class CpuSampler {
  readonly #samples: [number, Map<string, Reading>][] = [];
  /** Final answers only: a page's renderer, this process, or not Chromium (see #kind). */
  readonly #kinds = new Map<string, string | null>();
  #timer: ReturnType<typeof setInterval> | undefined;

  static available(): boolean {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    this.#samples.length = 0;
    this.#timer = setInterval(() => this.#samples.push([Date.now(), this.#snapshot()]), 20);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** CPU per party between two epoch times (the nearest samples; 20 ms resolution). */
  window(startMs: number, endMs: number): CpuByParty | undefined {
    if (this.#samples.length < 2) return undefined;
    const near = (t: number) => this.#samples.reduce((b, s) => (Math.abs(s[0] - t) < Math.abs(b[0] - t) ? s : b))[1];
    const a = near(startMs);
    const b = near(endMs);
    const out: CpuByParty = {};
    for (const [key, [party, v]] of b) out[party] = (out[party] ?? 0) + v - (a.get(key)?.[1] ?? v);
    return out;
  }

  #snapshot(): Map<string, Reading> {
    const m = new Map<string, Reading>();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const kind = this.#kind(pid);
      if (!kind) continue;
      if (kind !== 'page') {
        const t = cpuMs(`/proc/${pid}/stat`);
        if (t !== undefined) m.set(pid, [kind, t]);
        continue;
      }
      // The page's renderer by thread: its main thread, its workers, the rest (V8 compiler and GC helpers, IO).
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      for (const tid of tids) {
        const stat = readText(`/proc/${pid}/task/${tid}/stat`);
        if (!stat) continue;
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const party = tid === pid ? 'page main thread' : comm === 'DedicatedWorker' ? 'page workers' : 'page other threads';
        m.set(`${pid}/${tid}`, [party, cpuOfStat(stat)]);
      }
    }
    return m;
  }

  /**
   * Which party a process is. A renderer is forked from Chromium's zygote and rewrites its command
   * line afterwards, so a Chromium process that is not (yet) a renderer is asked again next time.
   */
  #kind(pid: string): string | null {
    const known = this.#kinds.get(pid);
    if (known !== undefined) return known;
    if (Number(pid) === process.pid) return this.#remember(pid, 'server + Vite (this Node process)');
    const cmd = readText(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ') ?? '';
    if (!/chrom/i.test(cmd)) return this.#remember(pid, null);
    if (/--type=renderer/.test(cmd)) return this.#remember(pid, 'page');
    return 'Chromium browser, network and GPU processes';
  }

  #remember(pid: string, kind: string | null): string | null {
    this.#kinds.set(pid, kind);
    return kind;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function cpuMs(path: string): number | undefined {
  const s = readText(path);
  return s === undefined ? undefined : cpuOfStat(s);
}

/** utime + stime of a /proc stat line, in ms (clock ticks of 10 ms). */
function cpuOfStat(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
