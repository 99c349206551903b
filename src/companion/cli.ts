// `ragged-atlas <command>`: the ingest companion's command line. Every command is a thin
// wrapper over the Node API in ./index.ts; `--help` on any command prints its usage.
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isRaggedAtlasError } from '../errors.js';
import { Atlas } from './atlas.js';
import { addCsc, hasCscCopy } from './csc.js';
import { parseFeatureSpaceArg } from './feature-spaces.js';
import { ingest, type ModalitySpec } from './ingest.js';
import { INPUT_FORMAT_NAMES, INPUT_FORMATS, type InputFormat } from './inputs/types.js';
import { optimize } from './optimize.js';
import { stderrProgress } from './progress.js';
import { selfSignedCert, serveDirectory } from './serve.js';
import { listVersions, snapshot } from './snapshot.js';
import type { ObsColumnDef, ObsType, PointerDef } from './tables/schemas.js';
import { validateAtlas } from './validate.js';

type Opts = ParseArgsConfig['options'];

interface Command {
  usage: string;
  options: Opts;
  run(positionals: string[], values: Record<string, unknown>): Promise<number>;
}

const common: Opts = { help: { type: 'boolean', short: 'h' }, quiet: { type: 'boolean', short: 'q' }, json: { type: 'boolean' } };

const COMMANDS: Record<string, Command> = {
  create: {
    usage: `ragged-atlas create <atlas> [options]

Creates an empty homeobox atlas: <atlas>/lance_db (obs table, datasets, one
<feature_space>_registry per pointer feature space, _feature_layouts, atlas_versions)
and <atlas>/zarr_store.

  --pointer <field>[=<feature_space>]   pointer column (repeatable; default: gene_expression)
  --obs <name>:<type>[!]                 obs column; type string|int64|int32|float64|float32|bool;
                                         '!' makes it required (non-null), else optional
  --embedding <name>:<dim>               fixed_size_list<float32, dim> column filled from obsm
  --feature-space <name>:dense|sparse:<layer>=<dtype>[,…][:<registry_key>]
                                         a user-defined feature space (e.g.
                                         hashtag_counts:dense:counts=uint32)
  --obs-table <name>                     obs table name (default cells)
  --storage-version <v>                  Lance file format (default 2.1, as homeobox's pylance writes)
  --no-shard-sizes                       zarr.json without the shard sizes the browser reader uses
                                         (byte-identical to zarr-python's; reads need a HEAD per shard)
  --json                                 print the result as JSON`,
    options: {
      ...common,
      pointer: { type: 'string', multiple: true },
      obs: { type: 'string', multiple: true },
      embedding: { type: 'string', multiple: true },
      'feature-space': { type: 'string', multiple: true },
      'obs-table': { type: 'string' },
      'storage-version': { type: 'string' },
      'no-shard-sizes': { type: 'boolean' },
    },
    async run([root], v) {
      if (!root) throw usage('create needs <atlas>');
      const featureSpaces = strings(v['feature-space']).map(parseFeatureSpaceArg);
      const { FeatureSpaceRegistry } = await import('./feature-spaces.js');
      const specs = new FeatureSpaceRegistry(featureSpaces);
      const pointers: PointerDef[] = (strings(v.pointer).length ? strings(v.pointer) : ['gene_expression']).map((p) => {
        const [name, fs = name] = p.split('=') as [string, string?];
        return { name, featureSpace: fs, kind: specs.get(fs).pointer as 'sparse' | 'dense' };
      });
      const columns: ObsColumnDef[] = strings(v.obs).map(parseObsColumn);
      const embeddings = strings(v.embedding).map((e) => {
        const [name, dim] = e.split(':');
        if (!name || !dim || !(Number(dim) > 0)) throw usage(`--embedding '${e}': expected <name>:<dim>`);
        return { name, dim: Number(dim) };
      });
      const atlas = await Atlas.create(root, {
        obs: { columns, embeddings, pointers },
        featureSpaces,
        ...(v['obs-table'] ? { obsTable: String(v['obs-table']) } : {}),
        ...(v['storage-version'] ? { storageVersion: String(v['storage-version']) } : {}),
        ...(v['no-shard-sizes'] ? { shardSizeHints: false } : {}),
      });
      const out = { root: atlas.root, obsTable: atlas.config.obsTable, pointers, registries: [...atlas.registries.keys()] };
      atlas.close();
      print(v, out, `created ${out.root}\n  obs table '${out.obsTable}': pointers ${pointers.map((p) => `${p.name} (${p.featureSpace})`).join(', ')}\n  registries: ${out.registries.join(', ') || 'none'}`);
      return 0;
    },
  },
  ingest: {
    usage: `ragged-atlas ingest <atlas> <input> [options]

Ingests one dataset (h5ad, 10x directory, AnnData-Zarr directory or .zarr.zip) into a new zarr
group and appends its dataset, registry, layout and obs rows. Input is read and written in row
batches (bounded memory). Inputs are checked before anything is written, and nothing is visible
to queries until the final obs append: on a failure the new zarr group and dataset rows are
removed. New registry rows a failed append leaves behind show in \`validate\` as unindexed and
are numbered by the next \`optimize\`, as any new feature is.

Re-running an ingest with the same --name over byte-identical input files is REFUSED (the
sha256 of the inputs is stored in the datasets table); pass --allow-duplicate to ingest anyway.

  --field <pointer>                obs pointer column for <input> (default: the first pointer)
  --format h5ad|10x|zarr           format of <input> (default: detected; --modality inputs are
                                   always detected)
  --layer [<field>:]<dest>=<src>   destination layer from a matrix: X, raw/X, layers/<name>, or
                                   <path>#<matrix> from another file (repeatable; default
                                   counts=X). e.g. --layer counts=data.zarr.zip#layers/counts
                                   --layer log_normalized=raw/X
  --modality <field>=<input>       another modality of the same cells (repeatable), e.g.
                                   --modality protein_abundance=ADT/ --modality hashtags=HTO/
  --obs-map <from>=<to>            rename an input obs column (or obsm key) to a schema field
                                   (repeatable); '_index' is the input's obs names (cell barcodes)
  --var-key <column>               var column of <input> used as feature identity (default: var
                                   names; --modality inputs use their var names)
  --name <name>                    dataset name (default: input file name)
  --batch-rows <n>                 rows per batch (default 8192)
  --allow-duplicate                ingest even if this exact input was ingested under this name
  --quiet                          no progress output
  --json                           print the result as JSON`,
    options: {
      ...common,
      field: { type: 'string' },
      format: { type: 'string' },
      layer: { type: 'string', multiple: true },
      modality: { type: 'string', multiple: true },
      'obs-map': { type: 'string', multiple: true },
      'var-key': { type: 'string' },
      name: { type: 'string' },
      'batch-rows': { type: 'string' },
      'allow-duplicate': { type: 'boolean' },
    },
    async run([root, input], v) {
      if (!root || !input) throw usage('ingest needs <atlas> <input>');
      const atlas = await Atlas.open(root);
      try {
        const primaryField = (v.field as string | undefined) ?? atlas.obsDef.pointers[0]!.name;
        const format = v.format as InputFormat | undefined;
        if (format !== undefined && !INPUT_FORMATS.includes(format)) throw usage(`--format must be ${INPUT_FORMAT_NAMES}, got '${String(format)}'`);
        const modalities: ModalitySpec[] = [{ field: primaryField, input, ...(format ? { format } : {}) }];
        for (const m of strings(v.modality)) {
          const [field, path] = splitOnce(m, '=', '--modality');
          modalities.push({ field, input: path });
        }
        for (const l of strings(v.layer)) {
          const [lhs, src] = splitOnce(l, '=', '--layer');
          const colon = lhs.indexOf(':');
          const field = colon > 0 ? lhs.slice(0, colon) : primaryField;
          const dest = colon > 0 ? lhs.slice(colon + 1) : lhs;
          const m = modalities.find((x) => x.field === field);
          if (!m) throw usage(`--layer '${l}': no modality for field '${field}'`);
          // a repeated destination would keep only the last source without a word
          if (m.layers && dest in m.layers) throw usage(`--layer '${l}': layer '${dest}' of field '${field}' is already given`);
          (m.layers ??= {})[dest] = src;
        }
        if (v['var-key']) modalities[0]!.varKey = String(v['var-key']);
        const mapped = strings(v['obs-map']).map((s) => splitOnce(s, '=', '--obs-map'));
        const twice = mapped.find(([from], i) => mapped.findIndex(([f]) => f === from) !== i);
        if (twice) throw usage(`--obs-map maps obs column '${twice[0]}' twice`);
        const obsMap = Object.fromEntries(mapped);
        const res = await ingest(atlas, {
          modalities,
          obsMap,
          ...(v.name ? { name: String(v.name) } : {}),
          ...(v['batch-rows'] ? { batchRows: positiveInt(v['batch-rows'], '--batch-rows') } : {}),
          allowDuplicate: Boolean(v['allow-duplicate']),
          progress: stderrProgress({ quiet: Boolean(v.quiet) || Boolean(v.json) }),
        });
        print(
          v,
          res,
          [
            `ingested '${res.datasetName}' (dataset_uid ${res.datasetUid}): ${res.nObs} cells`,
            ...res.modalities.map(
              (m) => `  ${m.field} (${m.featureSpace}): zarr group ${m.zarrGroup}, ${m.nFeatures} features (${m.newFeatures} new), nnz ${m.nnz}, layers ${m.layers.join(', ')}`,
            ),
            ...(res.droppedObsColumns.length ? [`  obs columns dropped (not in schema): ${res.droppedObsColumns.join(', ')}`] : []),
            ...(res.droppedObsm.length ? [`  obsm entries dropped (no embedding field; create --embedding name:dim): ${res.droppedObsm.join(', ')}`] : []),
            // a schema field the input lacks (a misspelt column?) is stored as NULL: said, not only in --json
            ...(res.nullFilledObsColumns.length ? [`  obs fields the input does not have, stored as NULL: ${res.nullFilledObsColumns.join(', ')}`] : []),
            '  run `ragged-atlas snapshot` to publish a version (it optimizes first)',
          ].join('\n'),
        );
        return 0;
      } finally {
        atlas.close();
      }
    },
  },
  optimize: {
    usage: `ragged-atlas optimize <atlas>

Compacts tables, removes duplicate new registry/layout rows, assigns global_index to new
features (in uid order; existing indices never change), indexes registry uid and
_feature_layouts, and fills _feature_layouts.global_index. Old table versions are kept.`,
    options: { ...common },
    async run([root], v) {
      if (!root) throw usage('optimize needs <atlas>');
      const atlas = await Atlas.open(root);
      try {
        const res = await optimize(atlas, stderrProgress({ quiet: Boolean(v.quiet) || Boolean(v.json) }));
        print(v, res, `optimized: ${Object.entries(res.indexed).map(([fs, n]) => `${n} new ${fs} feature(s) indexed`).join(', ') || 'nothing to index'}`);
        return 0;
      } finally {
        atlas.close();
      }
    },
  },
  snapshot: {
    usage: `ragged-atlas snapshot <atlas> [--no-optimize]

Runs optimize (unless --no-optimize), validates the atlas with homeobox's rules and appends an
atlas_versions row pinning every table's Lance version (versions 0, 1, 2, …).`,
    options: { ...common, 'no-optimize': { type: 'boolean' } },
    async run([root], v) {
      if (!root) throw usage('snapshot needs <atlas>');
      const atlas = await Atlas.open(root);
      try {
        const progress = stderrProgress({ quiet: Boolean(v.quiet) || Boolean(v.json) });
        if (!v['no-optimize']) await optimize(atlas, progress);
        const { record, report } = await snapshot(atlas, progress);
        for (const w of report.warnings) progress.note(`warning: ${w}`);
        print(v, record, `snapshot v${record.version}: ${record.total_rows} rows; tables ${record.obs_table_versions} datasets@${record.dataset_table_version} registries ${record.registry_table_versions} _feature_layouts@${record.feature_layouts_table_version}`);
        return 0;
      } finally {
        atlas.close();
      }
    },
  },
  versions: {
    usage: `ragged-atlas versions <atlas> [--json]

Lists snapshots (atlas_versions rows) in version order.`,
    options: { ...common },
    async run([root], v) {
      if (!root) throw usage('versions needs <atlas>');
      const atlas = await Atlas.open(root);
      try {
        const rows = await listVersions(atlas);
        print(v, rows, rows.length ? rows.map((r) => `v${r.version}  ${r.created_at}  ${r.total_rows} rows  ${r.obs_table_versions}`).join('\n') : 'no snapshots yet');
        return 0;
      } finally {
        atlas.close();
      }
    },
  },
  validate: {
    usage: `ragged-atlas validate <atlas> [--json]

Checks the atlas with homeobox's snapshot rules (exit 1 on errors) and reports orphaned zarr
groups (written by an ingest that never committed; groups a recorded snapshot still pins are not
orphans) and dataset rows without obs rows.`,
    options: { ...common },
    async run([root], v) {
      if (!root) throw usage('validate needs <atlas>');
      const atlas = await Atlas.open(root);
      try {
        const rep = await validateAtlas(atlas);
        print(
          v,
          rep,
          [
            rep.errors.length ? `${rep.errors.length} error(s):\n${rep.errors.map((e) => `  - ${e}`).join('\n')}` : 'valid: no errors',
            ...(rep.warnings.length ? [`${rep.warnings.length} warning(s):\n${rep.warnings.map((e) => `  - ${e}`).join('\n')}`] : []),
          ].join('\n'),
        );
        return rep.errors.length ? 1 : 0;
      } finally {
        atlas.close();
      }
    },
  },
  'add-csc': {
    usage: `ragged-atlas add-csc <atlas> <zarr_group>… | --all [options]

Writes the feature-oriented copy (csc/indices, csc/indptr, csc/layers/<layer>) of sparse
groups, with scipy tocsc() ordering, in bounded memory.

  --all               every sparse group that has none yet
  --layer <name>      layer to copy (repeatable; default counts)
  --force             rebuild an existing csc/
  --memory-mb <n>     buffer budget per pass (default 512)
  --indptr-layout <l> csc/indptr as 'chunked' (default: unsharded, as homeobox <= 0.2.3
                      wrote it; one request per dataset in a gene query) or 'sharded'
                      (zarr "auto" shards, byte-identical to homeobox 0.2.4+)
  --codec <c>         csc/indices and uint32 layers as 'bitpacking' (default: homeobox's
                      BP-128 codec; smaller and ~10x faster to decode) or 'zstd' (what
                      homeobox's add_csc writes, byte-identical); homeobox reads both`,
    options: { ...common, all: { type: 'boolean' }, layer: { type: 'string', multiple: true }, force: { type: 'boolean' }, 'memory-mb': { type: 'string' }, 'indptr-layout': { type: 'string' }, codec: { type: 'string' } },
    async run([root, ...groups], v) {
      if (!root) throw usage('add-csc needs <atlas>');
      const layout = v['indptr-layout'];
      if (layout !== undefined && layout !== 'chunked' && layout !== 'sharded') throw usage(`--indptr-layout must be 'chunked' or 'sharded', got '${String(layout)}'`);
      const codec = v.codec;
      if (codec !== undefined && codec !== 'bitpacking' && codec !== 'zstd') throw usage(`--codec must be 'bitpacking' or 'zstd', got '${String(codec)}'`);
      const atlas = await Atlas.open(root);
      try {
        if (v.all) {
          const { readRows } = await import('./tables/lance.js');
          const layers = strings(v.layer).length ? strings(v.layer) : undefined;
          for (const d of await readRows(atlas.datasets, { select: ['zarr_group', 'feature_space'] })) {
            const spec = atlas.specs.has(d.feature_space as string) ? atlas.spec(d.feature_space as string) : undefined;
            // --all: every group without a finished copy (an interrupted run's counts as none); with
            // --force, every group (rebuilt).
            if (!spec?.featureOriented || spec.pointer !== 'sparse') continue;
            if (v.force || !(await hasCscCopy(atlas.zarrDir, d.zarr_group as string, layers))) groups.push(d.zarr_group as string);
          }
          if (!groups.length) {
            print(v, [], 'add-csc --all: every sparse group already has a CSC copy (--force rebuilds them)');
            return 0;
          }
        }
        if (!groups.length) throw usage('add-csc needs <zarr_group>… or --all');
        const progress = stderrProgress({ quiet: Boolean(v.quiet) || Boolean(v.json) });
        const out = [];
        const skipped: string[] = [];
        const incomplete: string[] = [];
        for (const g of groups) {
          const written = await addCsc(atlas, {
            zarrGroup: g,
            ...(strings(v.layer).length ? { layers: strings(v.layer) } : {}),
            force: Boolean(v.force),
            ...(v['memory-mb'] ? { memoryBytes: positiveInt(v['memory-mb'], '--memory-mb') * 2 ** 20 } : {}),
            ...(layout ? { indptrLayout: layout } : {}),
            ...(codec ? { codec } : {}),
            progress,
          }).catch((err: unknown) => {
            // --all over a dataset row no cell points at (an ingest killed before its obs commit, see
            // validate): nothing to copy, and no reason to stop the other groups.
            if (v.all && isRaggedAtlasError(err, 'NotFound') && err.fields.cells === 0) return void skipped.push(g);
            // --all over a group some of whose obs rows were deleted: refused for that group only
            if (v.all && isRaggedAtlasError(err, 'InvalidInput') && err.fields.incompleteGroup) return void incomplete.push(g);
            throw err;
          });
          if (written) out.push(written);
        }
        const skipNote =
          (skipped.length ? `\nskipped (no cells point at them; see validate): ${skipped.join(', ')}` : '') +
          (incomplete.length ? `\nskipped (obs rows deleted: a CSC copy covers a whole group; reads keep their current path): ${incomplete.join(', ')}` : '');
        print(v, out, out.map((r) => `csc written for ${r.zarrGroup}: ${r.nFeatures} features, nnz ${r.nnz}, layers ${r.layers.join(', ')} (${r.passes} passes over the rows: one counting, ${r.passes - 1} transposing)`).join('\n') + skipNote);
        return 0;
      } finally {
        atlas.close();
      }
    },
  },
  serve: {
    usage: `ragged-atlas serve <dir> [--port 8080] [--host 127.0.0.1] [--tls-cert cert.pem --tls-key key.pem | --self-signed]

Serves an atlas directory over HTTP for the browser reader: Range requests (206/416), HEAD,
CORS, no path traversal or symlink escape. Binds 127.0.0.1 unless --host says otherwise.
With a certificate (--tls-cert/--tls-key, PEM) or --self-signed (a throwaway one made with
openssl, for local use) it serves HTTPS with HTTP/2: browsers then send all of a query's range
requests at once instead of six at a time.`,
    options: { ...common, port: { type: 'string', short: 'p' }, host: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'self-signed': { type: 'boolean' } },
    async run([dir], v) {
      if (!dir) throw usage('serve needs <dir>');
      if ((v['tls-cert'] === undefined) !== (v['tls-key'] === undefined)) throw usage('--tls-cert and --tls-key go together');
      if (v['self-signed'] && v['tls-cert'] !== undefined) throw usage('--self-signed or --tls-cert/--tls-key, not both');
      const tls = v['self-signed']
        ? selfSignedCert()
        : v['tls-cert'] !== undefined
          ? { cert: readFileSync(v['tls-cert'] as string), key: readFileSync(v['tls-key'] as string) }
          : undefined;
      const srv = await serveDirectory(dir, {
        tls,
        port: v.port !== undefined ? portOf(v.port) : 8080,
        host: (v.host as string | undefined) ?? '127.0.0.1',
        ...(v.quiet ? {} : { onRequest: (e) => process.stderr.write(`${e.status} ${e.method} ${e.path}${e.range ? ` ${e.range}` : ''} ${e.bytes}B\n`) }),
      });
      process.stdout.write(`serving ${dir} at ${srv.url}\n`);
      await new Promise<void>((resolveStop) => {
        const stop = () => void srv.close().then(resolveStop);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    },
  },
};

const TOP = `ragged-atlas — ingest companion: write homeobox-compatible atlases

usage: ragged-atlas <command> [options]   (ragged-atlas <command> --help for details)

commands:
  create     create an empty atlas (Lance tables + zarr root)
  ingest     ingest an h5ad / 10x / AnnData-Zarr dataset (one or several modalities)
  optimize   compact, deduplicate and assign global feature indices
  snapshot   optimize, validate and record a version (0, 1, 2, …)
  versions   list snapshots
  validate   check the atlas (homeobox rules) and report orphaned zarr groups
  add-csc    write the feature-oriented (CSC) copy of sparse groups
  serve      serve a directory over HTTP with Range/CORS for the browser reader`;

class UsageError extends Error {}
const usage = (m: string) => new UsageError(m);

/** The options every command takes (`common`), listed under each command's --help. */
const COMMON_HELP = `Every command also takes:
  -q, --quiet    no progress output (serve: no request log)
  --json         print the result as JSON (serve prints its log as text)
  -h, --help     this text`;

/** A TCP port number (0 = any free port), or a usage error. */
function portOf(v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw usage(`--port must be a port number (0–65535), got '${String(v)}'`);
  return n;
}

export async function main(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  out = (s) => stdout.write(s.endsWith('\n') ? s : s + '\n');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(TOP);
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    stderr.write(`unknown command '${name}'\n\n${TOP}\n`);
    return 2;
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    stderr.write(`${(err as Error).message}\n\n${cmd.usage}\n`);
    return 2;
  }
  if (parsed.values.help) {
    out(`${cmd.usage}\n\n${COMMON_HELP}`);
    return 0;
  }
  try {
    return await cmd.run(parsed.positionals, parsed.values);
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write(`${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    const tag = isRaggedAtlasError(err) ? `${err.name}: ` : '';
    stderr.write(`error: ${tag}${(err as Error).message}\n`);
    if (process.env.RAGGED_ATLAS_DEBUG && err instanceof Error && err.stack) stderr.write(err.stack + '\n');
    return 1;
  }
}

let out: (s: string) => void = (s) => process.stdout.write(s + '\n');

function print(v: Record<string, unknown>, json: unknown, text: string): void {
  out(v.json ? JSON.stringify(json, (_k, x) => (typeof x === 'bigint' ? Number(x) : x), 2) : text);
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? (x as string[]) : x === undefined ? [] : [String(x)];
}

function splitOnce(s: string, sep: string, flag: string): [string, string] {
  const i = s.indexOf(sep);
  if (i <= 0 || i === s.length - 1) throw usage(`${flag} '${s}': expected a${sep}b`);
  return [s.slice(0, i), s.slice(i + 1)];
}

function positiveInt(x: unknown, flag: string): number {
  const n = Number(x);
  if (!Number.isInteger(n) || n <= 0) throw usage(`${flag} needs a positive integer, got '${String(x)}'`);
  return n;
}

const OBS_TYPES: ObsType[] = ['string', 'int64', 'int32', 'float64', 'float32', 'bool'];

function parseObsColumn(s: string): ObsColumnDef {
  const m = /^([^:]*):([a-z0-9]+)(!?)$/.exec(s);
  if (!m || !OBS_TYPES.includes(m[2] as ObsType)) throw usage(`--obs '${s}': expected <name>:<${OBS_TYPES.join('|')}>[!]`);
  // Seurat-style names (percent.mt) are common in inputs: say what to do with them
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(m[1]!)) {
    const suggestion = m[1]!.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
    throw usage(`--obs '${s}': the name '${m[1]}' must be an identifier (letters, digits, _; it is used in SQL filters): declare --obs ${suggestion}:${m[2]}${m[3]} and ingest with --obs-map ${m[1]}=${suggestion}`);
  }
  return { name: m[1]!, type: m[2] as ObsType, nullable: m[3] !== '!' };
}

// Run as a script (`node --import tsx src/companion/cli.ts …`, or the compiled dist/companion/cli.js)
// as well as through bin/ragged-atlas.js; imported, it only exports main().
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
