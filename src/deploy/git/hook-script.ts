// The pre-receive hook Berth installs in every app repository. Fixed text, nothing interpolated:
// it hands git's ref updates to the Berth server over the socket named in its environment, prints
// what the server sends (git relays it to the pusher as `remote:` lines) and exits with the
// server's verdict; non-zero rejects the push.
//
// It runs under node (PATH is set by the server) and uses only dynamic import(), so it works
// whether node treats the extensionless file as CommonJS or as an ES module.

/** The environment variable that carries the per-push socket path into the hook. */
export const HOOK_SOCKET_ENV = 'BERTH_GIT_HOOK_SOCKET';

export const PRE_RECEIVE_HOOK = `#!/usr/bin/env node
// Written by Berth; rewritten on every push. Pushes are built by the Berth server, which passes
// ${HOOK_SOCKET_ENV} to git receive-pack; without it (a push that bypasses Berth) nothing is accepted.
const socketPath = process.env.${HOOK_SOCKET_ENV};
if (!socketPath) {
  process.stderr.write('Pushes to this repository must go through the Berth server.\\n');
  process.exit(1);
}
import('node:net').then(({ connect }) => {
  const input = [];
  process.stdin.on('data', (chunk) => input.push(chunk));
  process.stdin.on('end', () => {
    let exitCode = 1;
    let verdict = false;
    let pending = '';
    const conn = connect(socketPath);
    conn.on('error', (e) => {
      process.stderr.write('Lost the connection to the Berth server: ' + e.message + '\\n');
      process.exit(1);
    });
    conn.end(JSON.stringify({ updates: Buffer.concat(input).toString('utf8'), quarantine: process.env.GIT_QUARANTINE_PATH || null }) + '\\n');
    conn.setEncoding('utf8');
    conn.on('data', (text) => {
      pending += text;
      for (let nl = pending.indexOf('\\n'); nl >= 0; nl = pending.indexOf('\\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith('o ')) process.stdout.write(line.slice(2) + '\\n');
        else if (line.startsWith('x ')) { exitCode = Number(line.slice(2)) === 0 ? 0 : 1; verdict = true; }
      }
    });
    conn.on('close', () => {
      if (!verdict) process.stderr.write('The Berth server ended the push without a verdict.\\n');
      process.exit(exitCode);
    });
  });
});
`;
