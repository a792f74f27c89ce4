// Waits for a condition the code under test reaches through real I/O (SQLite, temp files), so a
// test can act at a precise point such as "the release command is running". Not a timing check:
// it fails only if the condition never holds.
export async function eventually(what: string, condition: () => boolean | Promise<boolean>, tries = 400): Promise<void> {
  for (let n = 0; n < tries; n++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}
