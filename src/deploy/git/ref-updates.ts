// What a push asks for (the `old new ref` lines git hands the pre-receive hook) and which of it Berth deploys.

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

export type RefDecision =
  | { kind: 'deploy'; update: RefUpdate; branch: string }
  | { kind: 'ignore'; update: RefUpdate; reason: string }
  | { kind: 'reject'; update: RefUpdate; reason: string };

/** The branches whose pushes deploy, as on Heroku. */
export const DEPLOY_BRANCHES = ['main', 'master'] as const;

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ZERO = /^0+$/;
// Ref names are data that reaches argv and log lines: allow only what real branch names use.
const SAFE_COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/** Parses the hook's stdin; throws on anything that is not `<sha> <sha> <ref>` per line. */
export function parseRefUpdates(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const parts = line.split(' ');
    const [oldSha = '', newSha = '', ref = ''] = parts;
    if (parts.length !== 3 || !SHA.test(oldSha) || !SHA.test(newSha)) {
      throw new Error(`malformed ref update line: ${JSON.stringify(line.slice(0, 200))}`);
    }
    updates.push({ oldSha, newSha, ref });
  }
  return updates;
}

export const isDeletion = (u: RefUpdate): boolean => ZERO.test(u.newSha);

/** True for names like refs/heads/feature/x-1; false for option-like names, `..`, shell or control characters. */
export function isSafeRefName(ref: string): boolean {
  if (ref.length > 255 || !ref.startsWith('refs/')) return false;
  const components = ref.split('/');
  return components.length >= 3 && components.every((c) => SAFE_COMPONENT.test(c) && !c.includes('..') && !c.endsWith('.lock') && !c.endsWith('.'));
}

/** Printable form of a ref name for messages, whatever bytes it holds. */
export const shownRef = (ref: string): string => JSON.stringify(ref.slice(0, 100));

export function decideRefUpdate(u: RefUpdate): RefDecision {
  if (!isSafeRefName(u.ref)) {
    return { kind: 'reject', update: u, reason: `refusing ${shownRef(u.ref)}: ref names may use only letters, digits and . _ + - /` };
  }
  // receive.denyDeletes refuses these with git's own message; nothing to build.
  if (isDeletion(u)) return { kind: 'ignore', update: u, reason: `${u.ref} is a deletion` };
  const branch = u.ref.startsWith('refs/heads/') ? u.ref.slice('refs/heads/'.length) : undefined;
  if (branch === undefined || !(DEPLOY_BRANCHES as readonly string[]).includes(branch)) {
    const name = branch ?? u.ref;
    return {
      kind: 'reject',
      update: u,
      reason: `pushed to ${name}: Berth deploys only the main or master branch. To deploy it, run: git push berth ${name}:main`,
    };
  }
  return { kind: 'deploy', update: u, branch };
}

/** The one update to deploy, or the reasons the push is refused. Any refused ref refuses the whole push. */
export function planPush(updates: RefUpdate[]): { deploy?: RefDecision & { kind: 'deploy' }; rejections: string[] } {
  const decisions = updates.map(decideRefUpdate);
  const rejections = decisions.flatMap((d) => (d.kind === 'reject' ? [d.reason] : []));
  const deploys = decisions.filter((d): d is RefDecision & { kind: 'deploy' } => d.kind === 'deploy');
  if (deploys.length > 1) rejections.push('pushed both main and master: push one of them at a time, so one commit is deployed');
  return { deploy: rejections.length === 0 ? deploys[0] : undefined, rejections };
}
