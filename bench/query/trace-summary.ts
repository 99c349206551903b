// Summarises a browser-wide Chrome trace saved with BENCH_SAVE_TRACE=1: the CPU time (the trace's
// `tdur`, time on a core) of every thread in buckets from the query's start, and V8's background
// compilers. Wall time alone misleads on a 2-core machine: a busy thread may be waiting for a core.
//   node --import tsx bench/query/trace-summary.ts <trace.json> [bucket ms = 25] [until ms = 1000]
import { readFileSync } from 'node:fs';

interface TraceEvent { ph: string; name: string; pid: number; tid: number; ts: number; dur?: number; tdur?: number; args?: { name?: string } }

const [file, bucketArg, untilArg] = process.argv.slice(2);
if (!file) throw new Error('usage: trace-summary.ts <trace.json> [bucket ms] [until ms]');
const raw = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : (raw.traceEvents ?? []);
const B = Number(bucketArg ?? 25);
const N = Math.ceil(Number(untilArg ?? 1000) / B);
const names = new Map<string, string>();
for (const e of events) {
  if (e.ph !== 'M') continue;
  if (e.name === 'process_name') names.set(`${e.pid}`, e.args?.name ?? '');
  if (e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
}
// page.ts marks the query's start with console.timeStamp('query'); else the trace's first event
const mark = events.find((e) => e.name === 'TimeStamp' && JSON.stringify(e.args).includes('"query"'));
const t0 = mark?.ts ?? Math.min(...events.filter((e) => e.ts > 0).map((e) => e.ts));
const cpu = new Map<string, Float64Array>();
const compile: Record<string, number> = {};
for (const e of events) {
  if (e.ph !== 'X') continue;
  const start = (e.ts - t0) / 1000;
  if (start < 0 || start >= N * B) continue;
  if (/^V8\.(TurbofanTask|MaglevTask)$|^wasm\.TopTierCompilation$/.test(e.name)) compile[e.name] = (compile[e.name] ?? 0) + (e.tdur ?? 0) / 1000;
  // top-level tasks only: their nested events would count twice
  if (e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'ThreadPool_RunTask') continue;
  const key = `${names.get(`${e.pid}`) ?? e.pid}/${names.get(`${e.pid}:${e.tid}`) ?? ''}#${e.tid}`;
  const row = cpu.get(key) ?? new Float64Array(N);
  cpu.set(key, row);
  // the task's CPU time spread evenly over its wall time
  const wall = (e.dur ?? 0) / 1000;
  const rate = wall > 0 ? (e.tdur ?? 0) / 1000 / wall : 0;
  for (let b = Math.floor(start / B); b < N && b * B < start + wall; b++) row[b]! += rate * (Math.min(start + wall, (b + 1) * B) - Math.max(start, b * B));
}
const total = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
const threads = [...cpu].filter(([, a]) => total(a) >= 15).sort((a, b) => total(b[1]) - total(a[1]));
console.log(`CPU ms per ${B} ms from ${mark ? "the 'query' mark" : 'the trace start'}`);
console.log('   ms ' + threads.map((_, i) => `[${i}]`.padStart(6)).join(''));
for (let b = 0; b < N; b++) console.log(String(b * B).padStart(5) + ' ' + threads.map(([, a]) => a[b]!.toFixed(0).padStart(6)).join(''));
console.log('total ' + threads.map(([, a]) => total(a).toFixed(0).padStart(6)).join(''));
threads.forEach(([k], i) => console.log(`[${i}] ${k}`));
console.log('background compilers (CPU ms):', Object.entries(compile).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ') || 'none');
