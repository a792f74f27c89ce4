// login, logout, auth:whoami, auth:token: getting a token into ~/.netrc and out again.
import { hostname } from 'node:os';
import { ApiError } from '../../client/api-error.js';
import { CliError, defineCommand, type CommandContext, type ParsedInput } from '../command.js';
import { netrcFor, netrcMachine } from '../context.js';
import { stringFlag } from '../parse-input.js';
import { promptHidden, promptVisible, readLines } from '../prompt.js';

async function credentials(ctx: CommandContext, input: ParsedInput): Promise<{ email: string; password: string }> {
  let email = stringFlag(input, 'email');
  let password = stringFlag(input, 'password');
  if (email === undefined || password === undefined) {
    const stderr = { write: (s: string) => ctx.out.prompt(s) };
    if (ctx.stdin.isTTY) {
      email ??= (await promptVisible(ctx.stdin, stderr, 'Email: ')).trim();
      password ??= await promptHidden(ctx.stdin, stderr, 'Password: ');
    } else {
      // Piped input: the missing values in order, one a line (email first when both are missing).
      const lines = await readLines(ctx.stdin, (email === undefined ? 1 : 0) + 1);
      email ??= lines.shift()?.trim();
      password ??= lines.shift();
    }
  }
  if (!email) throw new CliError('An email is required: use --email or type it when asked.');
  if (!password) throw new CliError('A password is required: use --password or type it when asked.');
  return { email, password };
}

export const login = defineCommand({
  name: 'login',
  aliases: ['auth:login'],
  description: 'log in with your Berth credentials; the token is saved to ~/.netrc',
  flags: {
    email: { type: 'string', short: 'e', description: 'account email', valueName: 'EMAIL' },
    password: { type: 'string', short: 'p', description: 'account password (read from stdin or a prompt when absent)', valueName: 'PASSWORD' },
  },
  examples: ['berth login --email me@example.com', "printf 'me@example.com\\nsecret\\n' | berth login"],
  async run(ctx, input) {
    const { email, password } = await credentials(ctx, input);
    const auth = await ctx.anonymousClient().createAuthorization(email, password, `berth CLI on ${hostname()}`);
    const token = auth.access_token?.token;
    if (!token) throw new CliError('The server did not return a token.');
    await netrcFor(ctx.home).set(netrcMachine(ctx.apiUrl), auth.user?.email ?? email, token);
    ctx.out.line(`Logged in as ${auth.user?.email ?? email}`);
  },
});

export const logout = defineCommand({
  name: 'logout',
  aliases: ['auth:logout'],
  description: 'revoke the current token and remove it from ~/.netrc',
  async run(ctx) {
    const netrc = netrcFor(ctx.home);
    const machine = netrcMachine(ctx.apiUrl);
    const saved = await netrc.get(machine);
    if (saved?.password) {
      try {
        const client = ctx.clientWithToken(saved.password);
        const current = (await client.listAuthorizations()).find((a) => a.current);
        if (current) await client.deleteAuthorization(current.id);
      } catch (e) {
        // A token the server already rejects is as good as revoked; still forget it locally.
        if (!(e instanceof ApiError && e.status === 401)) throw e;
      }
    }
    await netrc.remove(machine);
    ctx.out.info('Logging out... done');
  },
});

export const whoami = defineCommand({
  name: 'auth:whoami',
  aliases: ['whoami'],
  description: 'display the email of the logged in user',
  async run(ctx) {
    const account = await ctx.client().account();
    ctx.out.line(account.email);
  },
});

export const token = defineCommand({
  name: 'auth:token',
  description: 'print the API token in use (for scripts and git)',
  async run(ctx) {
    ctx.client(); // fails with a clear message when there is none
    const fromEnv = ctx.env.BERTH_API_KEY;
    const t = fromEnv || (await netrcFor(ctx.home).get(netrcMachine(ctx.apiUrl)))?.password;
    ctx.out.line(t ?? '');
  },
});
