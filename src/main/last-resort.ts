// The process-level last resort of `berth server`. Every stream has an error handler and every
// promise a catch, so nothing should arrive here; when something does, it is a bug, logged with one
// clear line. A rejected promise nobody caught leaves no half-run code behind: log it and keep
// serving. An exception thrown out of an event handler may have left memory half updated (a route
// table, a queue), so the process logs it and exits non-zero: instances keep running, the supervisor
// (systemd, docker restart policy) starts it again, and the next start ends interrupted builds.
import type { Logger } from '../platform/logger.js';

export function installLastResort(logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const onRejection = (reason: unknown) => {
    logger.error('unhandled-rejection', { note: 'a bug: a promise had no catch; the server keeps running', error: describe(reason) });
  };
  const onException = (error: Error) => {
    logger.error('uncaught-exception', { note: 'a bug: an error escaped every handler; the server exits so its supervisor restarts it', error: describe(error) });
    exit(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

const describe = (e: unknown): string => (e instanceof Error ? e.stack ?? e.message : String(e));
