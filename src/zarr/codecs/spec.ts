// The shared shape of one entry in a zarr v3 `codecs` list, and strict accessors for its fields.
// Entries are `{"name": ..., "configuration": {...}}`; the v3 short form (a bare name string) is
// accepted too. Every accessor throws CorruptDataError naming the metadata file and the codec.

import { CorruptDataError } from '../../errors.js';

export interface CodecSpec {
  name: string;
  configuration: Record<string, unknown>;
}

export function parseCodecSpec(raw: unknown, where: string): CodecSpec {
  if (typeof raw === 'string') return { name: raw, configuration: {} };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CorruptDataError(`codec entry must be an object, got ${JSON.stringify(raw)}`, { where });
  }
  const { name, configuration } = raw as { name?: unknown; configuration?: unknown };
  if (typeof name !== 'string') throw new CorruptDataError(`codec entry has no name: ${JSON.stringify(raw)}`, { where });
  if (configuration === undefined) return { name, configuration: {} };
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) {
    throw new CorruptDataError(`codec ${name}: configuration must be an object`, { where });
  }
  return { name, configuration: configuration as Record<string, unknown> };
}

/** Fails when the configuration has keys other than `allowed` (a typo must not be silently ignored). */
export function checkKeys(spec: CodecSpec, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(spec.configuration)) {
    if (!allowed.includes(k)) throw new CorruptDataError(`codec ${spec.name}: unknown configuration key "${k}"`, { where });
  }
}

export function oneOf<T extends string | number>(spec: CodecSpec, key: string, values: readonly T[], where: string, fallback?: T): T {
  const v = spec.configuration[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (!values.includes(v as T)) {
    throw new CorruptDataError(`codec ${spec.name}: "${key}" must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`, { where });
  }
  return v as T;
}

export function shapeField(spec: CodecSpec, key: string, where: string): number[] {
  const v = spec.configuration[key];
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new CorruptDataError(`codec ${spec.name}: "${key}" must be a list of positive integers, got ${JSON.stringify(v)}`, { where });
  }
  return v as number[];
}
