// Work a query can do while its reads are in flight (row maps, var) is started a task later, not in
// a microtask: microtasks run before the reads that are queued behind them go out, a task after.
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
