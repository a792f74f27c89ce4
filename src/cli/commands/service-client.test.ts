import { describe, expect, it } from 'vitest';
import { CliError, CommandExit } from '../command.js';
import { openClient } from './service-client.js';

describe('openClient (pg:psql, redis:cli)', () => {
  it("makes berth exit with the client's own non-zero code, not 0", async () => {
    // psql exits 2 when the server refuses the connection.
    const failed = await openClient('sh', ['-c', 'exit 2']).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CommandExit);
    expect((failed as CommandExit).code).toBe(2);
    await expect(openClient('true', [])).resolves.toBeUndefined();
  });

  it('says how to install a client that is missing', async () => {
    await expect(openClient('psql-not-installed-here', [])).rejects.toBeInstanceOf(CliError);
  });
});
