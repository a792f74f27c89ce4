// Heroku-style generated app names ("quiet-harbor-4821") for `apps:create` without a name.

const ADJECTIVES = ['calm', 'quiet', 'brave', 'misty', 'sunny', 'swift', 'gentle', 'bright', 'proud', 'lucky', 'rapid', 'silver', 'amber', 'polar', 'steady'];
const NOUNS = ['harbor', 'anchor', 'beacon', 'tide', 'reef', 'cove', 'pier', 'keel', 'mast', 'buoy', 'delta', 'lagoon', 'shore', 'dune', 'gale'];

/** `random` returns a float in [0, 1), like Math.random; passed in so tests can fix it. */
export function generateAppName(random: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const suffix = String(Math.floor(random() * 9000) + 1000);
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${suffix}`;
}
