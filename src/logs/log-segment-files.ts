// The files of one app's log history, `BERTH_HOME/logs/<app-id>/`: what each name says and their order.
//
// `<first-seq>-<opened-ms>.log`          the segment being appended to (plain JSON lines)
// `<first-seq>-<min-ms>-<max-ms>.log.gz` a closed segment, gzipped, named with its lines' time range
// `*.tmp`                                a compression a crash cut short (deleted)
// The sequence number orders segments (the stream's order); the time range lets a search skip a
// closed segment without opening it, whatever late-delivered times its lines carry.

export interface OpenSegment {
  kind: 'open';
  name: string;
  firstSeq: number;
  openedAt: number;
}

export interface ClosedSegment {
  kind: 'closed';
  name: string;
  firstSeq: number;
  minTime: number;
  maxTime: number;
}

export type SegmentFile = OpenSegment | ClosedSegment;

const SEQ_DIGITS = 12;
const pad = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');

export const openSegmentName = (firstSeq: number, openedAt: number): string => `${pad(firstSeq)}-${openedAt}.log`;
export const closedSegmentName = (firstSeq: number, minTime: number, maxTime: number): string => `${pad(firstSeq)}-${minTime}-${maxTime}.log.gz`;

/** What a file name in an app's log folder says; undefined for anything else (temporary files included). */
export function parseSegmentName(name: string): SegmentFile | undefined {
  const open = /^(\d{12})-(\d+)\.log$/.exec(name);
  if (open) return { kind: 'open', name, firstSeq: Number(open[1]), openedAt: Number(open[2]) };
  const closed = /^(\d{12})-(\d+)-(\d+)\.log\.gz$/.exec(name);
  if (closed) return { kind: 'closed', name, firstSeq: Number(closed[1]), minTime: Number(closed[2]), maxTime: Number(closed[3]) };
  return undefined;
}

/** The segments among `names`, oldest first (by first sequence number). */
export function segmentsOf(names: readonly string[]): SegmentFile[] {
  return names.map(parseSegmentName).filter((s): s is SegmentFile => s !== undefined).sort((a, b) => a.firstSeq - b.firstSeq);
}
