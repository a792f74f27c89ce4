// The client side of an attached one-off dyno: stdin goes up the websocket as binary frames, a
// text `{"eof":true}` ends it; stdout/stderr come back as frames tagged 1/2; the last text frame
// carries the exit code (see api/routes/one-off-routes.ts for the server side).
import WebSocket from 'ws';

export interface AttachIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Resolves with the command's exit code; rejects if the connection ends without one. */
export function attachDyno(url: string, io: AttachIo): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let exitCode: number | undefined;
    const onData = (chunk: Buffer | string) => ws.send(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), { binary: true });
    const onEnd = () => { if (ws.readyState === ws.OPEN) ws.send('{"eof":true}'); };
    ws.on('open', () => {
      if (!io.stdin) return onEnd();
      io.stdin.on('data', onData);
      io.stdin.once('end', onEnd);
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        (data[0] === 2 ? io.stderr : io.stdout).write(data.subarray(1));
        return;
      }
      const parsed = JSON.parse(data.toString()) as { exit_code?: number };
      if (typeof parsed.exit_code === 'number') exitCode = parsed.exit_code;
    });
    ws.on('error', reject);
    ws.on('close', () => {
      io.stdin?.off('data', onData);
      io.stdin?.off('end', onEnd);
      if (exitCode === undefined) reject(new Error('the connection to the dyno ended before it reported an exit code'));
      else resolve(exitCode);
    });
  });
}
