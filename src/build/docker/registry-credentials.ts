// The credentials a pull presents to a registry, from the operator's Docker client configuration
// (`docker login` writes it): `auths` entries, or the credential helper the file names, as
// docker/cli reads them. The file is read at each pull, so a `docker login` takes effect without
// restarting Berth.
import { readFile } from 'node:fs/promises';
import { credentialsFromHelper, type RunProgram } from './credential-helper.js';
import { DOCKER_HUB } from './image-reference-parts.js';

/** What the engine takes as X-Registry-Auth (docker's `AuthConfig`). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

/** Where a pull's credentials come from; the builder asks once per registry and build. */
export interface RegistryCredentials {
  /** The credentials for the registry host (`docker.io` for Docker Hub), or undefined for an anonymous pull. */
  forRegistry(registry: string): Promise<RegistryAuth | undefined>;
  /** Where they are configured, for messages (`/root/.docker/config.json`). */
  readonly source: string;
}

/** docker/cli keeps Docker Hub's credentials under the v1 index address. */
const HUB_KEY = 'https://index.docker.io/v1/';
const HUB_HOSTS = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export class DockerConfigCredentials implements RegistryCredentials {
  /** runProgram: how a credential helper is run (platform/exec's `run` unless a test fakes it). */
  constructor(readonly source: string, private readonly runProgram?: RunProgram) {}

  async forRegistry(registry: string): Promise<RegistryAuth | undefined> {
    let text: string;
    try {
      text = await readFile(this.source, 'utf8');
    } catch (e) {
      // No `docker login` yet: every pull is anonymous, as the docker CLI's would be.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read the Docker configuration ${this.source}: ${(e as Error).message}`);
    }
    let config: DockerConfig;
    try {
      config = JSON.parse(text) as DockerConfig;
    } catch (e) {
      throw new Error(`the Docker configuration ${this.source} is not JSON: ${(e as Error).message}`);
    }
    const serveraddress = serverAddressOf(registry);
    // docker/cli's order: a helper for this registry, else the default store, else `auths`.
    const helper = config.credHelpers?.[serveraddress] ?? config.credHelpers?.[registry] ?? config.credsStore;
    if (!helper) return authFor(config.auths ?? {}, registry);
    const found = await credentialsFromHelper(helper, serveraddress, this.runProgram);
    if (!found) return undefined;
    // docker/cli's convention: the user name `<token>` marks an identity (refresh) token.
    if (found.username === '<token>') return { identitytoken: found.secret, serveraddress };
    return { username: found.username, password: found.secret, serveraddress };
  }
}

/** The address docker login stores a registry's credentials under. */
const serverAddressOf = (registry: string) => (HUB_HOSTS.has(registry) ? HUB_KEY : registry);

/** The entry for registry among `auths` keys, which may be URLs (`https://host/v1/`) or hosts. */
export function authFor(auths: Record<string, AuthEntry>, registry: string): RegistryAuth | undefined {
  const hub = HUB_HOSTS.has(registry);
  const serveraddress = serverAddressOf(registry);
  const key = Object.keys(auths).find((k) => (hub ? HUB_HOSTS.has(hostOf(k)) : hostOf(k) === registry));
  const entry = auths[hub && auths[HUB_KEY] ? HUB_KEY : key ?? ''];
  if (!entry) return undefined;
  if (entry.identitytoken) return { identitytoken: entry.identitytoken, serveraddress };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`the Docker configuration's auth for ${registry} is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
  }
  if (entry.username !== undefined) return { username: entry.username, password: entry.password ?? '', serveraddress };
  // An empty entry: `docker login` put the secret in a credential helper (credsStore), not here.
  return undefined;
}

/** docker/cli's ConvertToHostname: no scheme, nothing after the host. */
function hostOf(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0]!.toLowerCase();
}

