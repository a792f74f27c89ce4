// Safe extraction of an uploaded source archive (.tar.gz or .tar) into a build directory.
// The upload is hostile until proven otherwise: every refusal names the entry, and a
// refused archive leaves nothing behind, neither outside nor inside the destination.
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { isBerthError } from '../domain/errors.js';
import { ExtractionTree } from './extraction-tree.js';
import { openTarByteStream } from './tarball-input.js';
import { entrySegments, singleTopDir, unsafeTarball } from './tarball-paths.js';

export interface ExtractLimits {
  /** Most entries (files, directories, links) an archive may hold. */
  maxEntries: number;
  /** Most bytes of file content an archive may unpack to. */
  maxBytes: number;
}

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  maxEntries: 10_000,
  maxBytes: 1024 ** 3,
});

export interface ExtractOptions extends Partial<ExtractLimits> {
  /**
   * When every entry sits under one directory (GitHub's `project-abc123/…`), unpack
   * that directory's contents instead, as Heroku does. Default true.
   */
  stripSingleTopDir?: boolean;
}

export interface ExtractResult {
  /** Entries read from the archive, directories and links included. */
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
}

// Tar headers, padding and long-name records cost bytes that are not file content.
// This much per entry (plus a fixed slack for what the parser buffers ahead) is far
// more than any real archive needs, and small enough that inflating endless zeros
// after the last entry is cut off quickly instead of burning CPU forever.
const RAW_OVERHEAD_PER_ENTRY = 16 * 1024;
const RAW_OVERHEAD_SLACK = 4 * 1024 * 1024;

/**
 * Unpacks `input` (a path or a stream) into `destDir`, which must be absent or empty.
 * Throws BerthError `unsafe_tarball` (api/ maps it to 422 invalid_params) for absolute
 * or `..` paths, symlinks leading outside, hardlinks to anything but an earlier file,
 * devices/fifos, writes through a symlink, and archives over the limits.
 * Entries are unpacked into a private staging directory inside `destDir` and only
 * moved into place once the whole archive has been accepted.
 */
export async function extractSourceTarball(
  input: NodeJS.ReadableStream | string,
  destDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const limits: ExtractLimits = {
    maxEntries: options.maxEntries ?? DEFAULT_EXTRACT_LIMITS.maxEntries,
    maxBytes: options.maxBytes ?? DEFAULT_EXTRACT_LIMITS.maxBytes,
  };
  await mkdir(destDir, { recursive: true });
  if ((await readdir(destDir)).length > 0) throw new Error(`extraction destination ${destDir} is not empty`);
  const stage = await mkdtemp(join(destDir, '.berth-extract-'));
  try {
    const tree = new ExtractionTree(stage);
    const { result, seen } = await unpack(input, tree, limits);
    const top = options.stripSingleTopDir === false ? undefined : singleTopDir(seen);
    if (top !== undefined) tree.checkSymlinksOneLevelUp();
    const from = top === undefined ? stage : join(stage, top);
    for (const name of await readdir(from)) await rename(join(from, name), join(destDir, name));
    return result;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

interface SeenEntry { segments: string[]; type: string }

async function unpack(input: NodeJS.ReadableStream | string, tree: ExtractionTree, limits: ExtractLimits): Promise<{ result: ExtractResult; seen: SeenEntry[] }> {
  const extract = tar.extract();
  let streamFailure: Error | undefined;
  let headersSeen = 0;
  let declaredBytes = 0;
  // Counted as headers are parsed, ahead of the loop below, to bound the raw stream.
  extract.on('entry', (header: tar.Header) => { headersSeen++; declaredBytes += header.size ?? 0; });
  extract.on('error', (err: Error) => { streamFailure ??= err; });
  const raw = await openTarByteStream(input, (total) => {
    if (total > declaredBytes + headersSeen * RAW_OVERHEAD_PER_ENTRY + RAW_OVERHEAD_SLACK) {
      throw unsafeTarball(`archive holds ${total} bytes of tar data, far more than its entries account for (trailing data or oversized headers)`);
    }
  }, (err) => { streamFailure ??= err; extract.destroy(err); });
  raw.stream.pipe(extract);

  const seen: SeenEntry[] = [];
  let entries = 0;
  let bytes = 0;
  try {
    for await (const entry of extract) {
      const { name, type, size = 0, mode = 0o644, linkname } = entry.header;
      entries++;
      if (entries > limits.maxEntries) {
        throw unsafeTarball(`archive has more than ${limits.maxEntries} entries (refused at ${JSON.stringify(name)})`);
      }
      const segments = entrySegments(name);
      seen.push({ segments, type: type ?? 'file' });
      if (segments.length === 0) {
        if (type !== 'directory') throw unsafeTarball(`entry ${JSON.stringify(name)} names the archive root but is not a directory`);
        continue;
      }
      switch (type) {
        case 'directory':
          await tree.directory(segments, name);
          break;
        case 'file':
        case 'contiguous-file':
        case null:
        case undefined:
          // Refuse on the size the header claims, before inflating any of it.
          if (bytes + size > limits.maxBytes) throw tooBig(limits, name);
          await tree.file(segments, name, entry as AsyncIterable<Buffer>, mode, (n) => {
            bytes += n;
            if (bytes > limits.maxBytes) throw tooBig(limits, name);
          });
          break;
        case 'symlink':
          await tree.symlink(segments, name, linkname ?? '');
          break;
        case 'link':
          await tree.hardlink(segments, name, linkname ?? '');
          break;
        case 'character-device':
        case 'block-device':
        case 'fifo':
          throw unsafeTarball(`entry ${JSON.stringify(name)} is a ${type}; device files, fifos and sockets are not allowed`);
        default:
          throw unsafeTarball(`entry ${JSON.stringify(name)} has unsupported type ${JSON.stringify(type)}`);
      }
    }
  } catch (err) {
    throw asArchiveError(err, streamFailure);
  } finally {
    raw.close();
    extract.destroy();
  }
  return { result: { entries, bytes }, seen };
}

function tooBig(limits: ExtractLimits, name: string): Error {
  return unsafeTarball(`archive unpacks to more than ${limits.maxBytes} bytes (refused at ${JSON.stringify(name)})`);
}

/** A parse or inflate failure means a bad upload (422), not a server fault. */
function asArchiveError(err: unknown, streamFailure: Error | undefined): unknown {
  if (isBerthError(err) || streamFailure === undefined || err !== streamFailure) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && !code.startsWith('Z_')) return err; // a read error, not bad data
  return unsafeTarball(`not a valid tar or tar.gz archive: ${streamFailure.message}`);
}
