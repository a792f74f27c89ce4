// A log line as an RFC 5424 syslog message, octet-counted (RFC 6587 §3.4.1) as syslog over TCP,
// TLS (RFC 5425) and Heroku's HTTPS drains (application/logplex-1) all frame them.
import type { LogLine } from '../log-sink.js';

/** local7.info, as Heroku's Logplex sends app lines: receivers sort on it, nothing in Berth does. */
const PRI = '<190>';

export interface FrameHeader {
  /** APP-NAME: the app's name. */
  appName: string;
  /** HOSTNAME: the drain's token, so a receiver shared by several drains tells them apart. */
  token: string;
}

/**
 * `<190>1 TIMESTAMP d.<uuid> <app> <dyno> <source> - MESSAGE`. PROCID is the dyno (`web.1`, `api`)
 * or, for lines without one, the source (`router`, `build`); MSGID is the source, so nothing of
 * Heroku's `app[web.1]` prefix is lost. No structured data.
 */
export function syslogMessage(line: LogLine, header: FrameHeader): string {
  const procId = line.dyno === '' ? line.source : line.dyno;
  return `${PRI}1 ${line.time} ${header.token} ${header.appName} ${printable(procId)} ${line.source} - ${line.message}`;
}

/** `<length> <message>`: the length in bytes, so a message may hold any character, newlines included. */
export function octetCounted(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

// RFC 5424 header fields are printable US-ASCII without spaces; a field must never shift the others.
const printable = (field: string): string => field.replace(/[^\x21-\x7e]/g, '_').slice(0, 128) || '-';
