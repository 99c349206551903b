export { rng } from '../../../helpers/rng.js';

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo));
}
