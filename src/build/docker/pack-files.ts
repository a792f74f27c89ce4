// A small in-memory tar of named text files (a generated Dockerfile, a job description).
import { pack } from 'tar-stream';
import type { Readable } from 'node:stream';

export function packFiles(files: Record<string, string>, owner?: { uid: number; gid: number }): Readable {
  const archive = pack();
  for (const [name, text] of Object.entries(files)) {
    archive.entry({ name, mode: 0o644, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0 }, text);
  }
  archive.finalize();
  return archive as unknown as Readable;
}
