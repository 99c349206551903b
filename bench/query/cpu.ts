// CPU the whole machine spends during a measured query, by party, sampled from /proc (Linux).
// On the bench's 2-core VM every query keeps both cores busy, so its wall time follows the CPU all
// parties spend on it: the page's threads, Chromium's browser/network/GPU processes and the pacing
// server. This is what makes a reader with more requests slower here even when it moves fewer bytes.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

/** CPU milliseconds per party during one query window. */
export type CpuByParty = Record<string, number>;

/** A thread's (or process's) party and cumulative CPU ms. */
type Reading = [party: string, ms: number];

/** Every 20 ms: cumulative CPU time of each thread of interest, keyed by process and thread id. */
export class CpuSampler {
  readonly #samples: [number, Map<string, Reading>][] = [];
  /** Final answers only: a page's renderer, this process, or not Chromium (see #kind). */
  readonly #kinds = new Map<string, string | null>();
  readonly #stats = new StatReader();
  #pids: string[] = [];
  #pidsAt: number | undefined;
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
    this.#pidsAt = undefined;
    this.#timer = setInterval(() => this.#samples.push([Date.now(), this.#snapshot()]), 20);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stats.closeAll();
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
    // Processes are listed every 200 ms only (a page's renderer starts well before its query is
    // timed); their threads every time, since workers start during a query.
    if (this.#pidsAt === undefined || Date.now() - this.#pidsAt >= 200) {
      this.#pids = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid));
      this.#pidsAt = Date.now();
    }
    for (const pid of this.#pids) {
      const kind = this.#kind(pid);
      if (!kind) continue;
      if (kind !== 'page') {
        const stat = this.#stats.read(`/proc/${pid}/stat`);
        if (stat) m.set(pid, [kind, cpuOfStat(stat)]);
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
        const stat = this.#stats.read(`/proc/${pid}/task/${tid}/stat`);
        if (!stat) continue;
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const party = tid === pid ? 'page main thread' : comm === 'DedicatedWorker' ? 'page workers' : 'page other threads';
        m.set(`${pid}/${tid}`, [party, cpuOfStat(stat)]);
      }
    }
    this.#stats.sweep();
    return m;
  }

  /**
   * Which party a process is. A renderer is forked from Chromium's zygote and rewrites its command
   * line afterwards, so a process that still shows the zygote's command line is asked again next
   * time; every other answer is final (re-reading every command line cost the sampler ~1 ms of
   * its ~2.3 ms per snapshot, in the server's process).
   */
  #kind(pid: string): string | null {
    const known = this.#kinds.get(pid);
    if (known !== undefined) return known;
    if (Number(pid) === process.pid) return this.#remember(pid, 'server + Vite (this Node process)');
    const cmd = readText(`/proc/${pid}/cmdline`)?.replace(/\0/g, ' ') ?? '';
    if (!/chrom/i.test(cmd)) return this.#remember(pid, null);
    if (/--type=renderer/.test(cmd)) return this.#remember(pid, 'page');
    const party = 'Chromium browser, network and GPU processes';
    return /--type=zygote/.test(cmd) ? party : this.#remember(pid, party);
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

/**
 * /proc stat files read through descriptors kept open: one pread each instead of open, read and
 * close. The sampler runs in the server's process, so its cost is charged to the query it measures
 * (readFileSync took ~2.3 ms per 58-file snapshot, ~12 % of a core at 20 ms).
 */
class StatReader {
  readonly #fds = new Map<string, number>();
  readonly #seen = new Set<string>();
  readonly #buf = Buffer.alloc(4096);

  read(path: string): string | undefined {
    let fd = this.#fds.get(path);
    this.#seen.add(path);
    try {
      if (fd === undefined) this.#fds.set(path, (fd = openSync(path, 'r')));
      return this.#buf.toString('latin1', 0, readSync(fd, this.#buf, 0, this.#buf.length, 0));
    } catch {
      // The process or thread is gone (ENOENT on open, ESRCH on read): forget it.
      if (fd !== undefined) closeSync(fd);
      this.#fds.delete(path);
      return undefined;
    }
  }

  /** Closes the descriptors of files not read since the last sweep (processes and threads gone). */
  sweep(): void {
    for (const [path, fd] of this.#fds) if (!this.#seen.has(path)) (closeSync(fd), this.#fds.delete(path));
    this.#seen.clear();
  }

  closeAll(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }
}

/** utime + stime of a /proc stat line, in ms (clock ticks of 10 ms). */
function cpuOfStat(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}
