// Heroku's Range-header pagination: `Range: <field> [start]..[end][; max=N[, order=asc|desc]]`.
// A partial page answers 206 with `Next-Range` naming where the next page starts.
import { BerthError } from '../domain/errors.js';

export const DEFAULT_PAGE = 200;
export const MAX_PAGE = 1000;

export interface RangeSpec {
  field: string;
  start?: string;
  exclusiveStart: boolean;
  end?: string;
  max: number;
  order: 'asc' | 'desc';
}

export function parseRange(header: string | undefined, allowed: readonly string[], defaultField: string): RangeSpec {
  if (!header || !header.trim()) return { field: defaultField, exclusiveStart: false, max: DEFAULT_PAGE, order: 'asc' };
  const m = /^\s*([a-z_]+)\s*(\]?)([^.;]*)\.\.([^;]*?)\s*(?:;\s*(.*))?$/.exec(header);
  if (!m) throw new BerthError('bad_request', `Invalid Range header ${JSON.stringify(header)}. Expected e.g. "${defaultField} ..; max=100".`);
  const [, field = '', bracket, start, end, opts] = m;
  if (!allowed.includes(field)) throw new BerthError('bad_request', `Range field must be one of: ${allowed.join(', ')}.`);
  const spec: RangeSpec = { field, exclusiveStart: bracket === ']', max: DEFAULT_PAGE, order: 'asc' };
  if (start?.trim()) spec.start = start.trim();
  if (end?.trim()) spec.end = end.trim();
  for (const opt of (opts ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = opt.split('=').map((s) => s.trim());
    if (k === 'max' && v && /^\d+$/.test(v)) spec.max = Math.min(Math.max(Number(v), 1), MAX_PAGE);
    else if (k === 'order' && (v === 'asc' || v === 'desc')) spec.order = v;
    else throw new BerthError('bad_request', `Unknown Range option ${JSON.stringify(opt)}.`);
  }
  return spec;
}

export interface Page<T> {
  items: T[];
  status: 200 | 206;
  headers: Record<string, string>;
}

/** Sorts by the range field, applies start/end bounds and max, and names the next page. */
export function paginate<T>(all: readonly T[], spec: RangeSpec, key: (item: T, field: string) => string | number): Page<T> {
  const cmp = (a: string | number, b: string | number) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));
  const parse = (raw: string, sample: string | number) => (typeof sample === 'number' ? Number(raw) : raw);
  const sorted = [...all].sort((a, b) => cmp(key(a, spec.field), key(b, spec.field)) * (spec.order === 'desc' ? -1 : 1));
  const inBounds = sorted.filter((item) => {
    const k = key(item, spec.field);
    const sign = spec.order === 'desc' ? -1 : 1;
    if (spec.start !== undefined) {
      const c = cmp(k, parse(spec.start, k)) * sign;
      if (c < 0 || (spec.exclusiveStart && c === 0)) return false;
    }
    if (spec.end !== undefined && cmp(k, parse(spec.end, k)) * sign > 0) return false;
    return true;
  });
  const items = inBounds.slice(0, spec.max);
  const headers: Record<string, string> = { 'Accept-Ranges': spec.field };
  if (items.length > 0) {
    headers['Content-Range'] = `${spec.field} ${key(items[0]!, spec.field)}..${key(items[items.length - 1]!, spec.field)}`;
  }
  if (inBounds.length > items.length) {
    headers['Next-Range'] = `${spec.field} ]${key(items[items.length - 1]!, spec.field)}..; max=${spec.max}, order=${spec.order}`;
    return { items, status: 206, headers };
  }
  return { items, status: 200, headers };
}
