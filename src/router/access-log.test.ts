import { describe, expect, it } from 'vitest';
import { formatAccessLine } from './access-log.js';

const base = { method: 'GET', path: '/', host: 'demo.localhost', requestId: 'r-1', fwd: '127.0.0.1', protocol: 'http' as const };

describe('formatAccessLine', () => {
  it("writes a served request in Heroku's router format", () => {
    expect(formatAccessLine({ ...base, dyno: 'web.1', connectMs: 1.2, serviceMs: 3.4, status: 200, bytes: 123 })).toBe(
      'at=info method=GET path="/" host=demo.localhost request_id=r-1 fwd="127.0.0.1" dyno=web.1 connect=1ms service=3ms status=200 bytes=123 protocol=http',
    );
  });

  it('writes an error with its code and description, leaving unknown timings empty', () => {
    expect(formatAccessLine({ ...base, code: 'H14', dyno: '', status: 503, bytes: 10 })).toBe(
      'at=error code=H14 desc="No web processes running" method=GET path="/" host=demo.localhost request_id=r-1 fwd="127.0.0.1" dyno= connect= service= status=503 bytes=10 protocol=http',
    );
  });

  it('keeps a hostile path on one line and inside its quotes', () => {
    const line = formatAccessLine({ ...base, path: '/a" at=info x\\\n', dyno: '', status: 404, bytes: 0 });
    expect(line).toContain('path="/a\\" at=info x\\\\%0A"');
    expect(line).not.toContain('\n');
  });
});
