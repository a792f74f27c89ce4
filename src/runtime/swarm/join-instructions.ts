// What a new Debian machine runs, as root, to become a node of Berth's swarm: text for a human to
// paste, made from Berth's own data (the registry's address and CA, the worker token), never run by
// Berth. Each step says why in docs; here only what it must contain.
import { shellQuote } from '../../domain/shell-quote.js';
import type { JoinInstructions } from '../fleet.js';
import { PUBLISHED_PORT_RANGE } from './published-ports.js';

export interface JoinFacts {
  /** `docker swarm join-token worker`'s token. */
  workerToken: string;
  /** A manager's address the new node reaches (its swarm port 2377 is added). */
  managerAddress: string;
  /** Berth's registry, `host:port`, and the CA its certificate is signed by (PEM). */
  registryAddress: string;
  registryCa: string;
}

/** The swarm's own ports between machines, then the ports Berth's router dials instances on. */
export const SWARM_PORTS = ['2377/tcp', '7946/tcp', '7946/udp', '4789/udp'] as const;
export const PUBLISHED_PORTS = `${PUBLISHED_PORT_RANGE.first}-${PUBLISHED_PORT_RANGE.last}/tcp`;

/** The engine's configuration file; a parameter only so that a test can run the step elsewhere. */
const DAEMON_JSON = '/etc/docker/daemon.json';

export function joinInstructions(facts: JoinFacts, daemonJson = DAEMON_JSON): JoinInstructions {
  const trustDir = `/etc/docker/certs.d/${facts.registryAddress}`;
  return {
    commands: [
      'apt-get update',
      'apt-get install -y docker.io',
      // Nodes trust Berth's registry through its CA, never `insecure-registries`.
      `mkdir -p ${shellQuote(trustDir)}`,
      heredoc(`${trustDir}/ca.crt`, facts.registryCa),
      ...noNewPrivileges(daemonJson),
      'systemctl restart docker',
      ['docker', 'swarm', 'join', '--token', facts.workerToken, `${facts.managerAddress}:2377`].map(shellQuote).join(' '),
    ],
    ports: [...SWARM_PORTS, PUBLISHED_PORTS],
  };
}

/**
 * Swarm services cannot ask for no-new-privileges on API 1.41: every node's engine sets it in its
 * daemon.json. A machine's own daemon.json (mirrors, log drivers) is never overwritten: the file is
 * written only where there is none, and a file without the setting gets a line saying to add it.
 */
function noNewPrivileges(daemonJson: string): string[] {
  const file = shellQuote(daemonJson);
  return [
    `test -e ${file} || ${heredoc(daemonJson, '{ "no-new-privileges": true }\n')}`,
    `grep -Eq '"no-new-privileges"[[:space:]]*:[[:space:]]*true' ${file} || echo ${shellQuote(`berth: add "no-new-privileges": true to ${daemonJson}, then restart docker`)} >&2`,
  ];
}

/** `cat > FILE <<'BERTH_EOF'`: the quoted delimiter makes the shell take the text literally. */
function heredoc(file: string, text: string): string {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (body.split('\n').includes('BERTH_EOF')) throw new Error(`${file}: text contains the heredoc delimiter`);
  return `cat > ${shellQuote(file)} <<'BERTH_EOF'\n${body}BERTH_EOF`;
}
