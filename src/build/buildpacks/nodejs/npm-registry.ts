// Reads Node.js releases from the npm registry: the package document and the tarballs. Runs in
// Berth's own process (never in a build sandbox), through the operator's proxy settings
// (HTTP_PROXY / HTTPS_PROXY / NO_PROXY) and CAs (NODE_EXTRA_CA_CERTS, and the host's own bundle).
import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, fetch } from 'undici';
import { nodePackageFor, releasesFromPackument, type NodeReleaseList } from './node-releases.js';

export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

/** Debian's bundle: Mozilla's CAs plus what the operator added with update-ca-certificates. */
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Node trusts only its own copy of Mozilla's CAs; a machine behind a TLS-inspecting proxy or with a
 * private registry has its CA in the host bundle, which apt, git and curl already trust. So do we.
 */
function trustedCas(bundle: string): string[] | undefined {
  if (!existsSync(bundle)) return undefined;
  return [...rootCertificates, readFileSync(bundle, 'utf8')];
}

/** Where Node.js releases come from, and how one tarball is read. */
export interface NodeReleaseSource {
  list(signal?: AbortSignal): Promise<NodeReleaseList>;
  /** The tarball's bytes, unverified: the caller checks them against the release's integrity. */
  open(tarballUrl: string, signal?: AbortSignal): Promise<Readable>;
}

export class NpmRegistryNodeReleases implements NodeReleaseSource {
  private readonly registry: string;
  private readonly packageName: string;
  private readonly dispatcher: EnvHttpProxyAgent;

  constructor(opts: { registry?: string; arch?: string; caBundle?: string } = {}) {
    const ca = trustedCas(opts.caBundle ?? HOST_CA_BUNDLE);
    this.dispatcher = new EnvHttpProxyAgent(ca ? { connect: { ca }, requestTls: { ca }, proxyTls: { ca } } : {});
    const registry = opts.registry || DEFAULT_NPM_REGISTRY;
    this.registry = registry.endsWith('/') ? registry : `${registry}/`;
    this.packageName = nodePackageFor(opts.arch);
  }

  async list(signal?: AbortSignal): Promise<NodeReleaseList> {
    // The full document (not the abbreviated install one): only it has the publish times the LTS rule needs.
    const url = new URL(encodeURIComponent(this.packageName), this.registry).toString();
    const res = await fetch(url, { dispatcher: this.dispatcher, signal, headers: { accept: 'application/json' } }).catch(explainFetchError);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${url} answered ${res.status}`);
    }
    return { packageName: this.packageName, registry: this.registry, releases: releasesFromPackument(await res.json()) };
  }

  async open(tarballUrl: string, signal?: AbortSignal): Promise<Readable> {
    const res = await fetch(tarballUrl, { dispatcher: this.dispatcher, signal }).catch(explainFetchError);
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`${tarballUrl} answered ${res.status}`);
    }
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  }
}

/** undici says only "fetch failed"; the reason (a certificate, a refused connection) is its cause. */
function explainFetchError(e: unknown): never {
  const cause = (e as { cause?: { message?: string; code?: string } }).cause;
  throw cause?.message ? new Error(`${(e as Error).message}: ${cause.code ? `${cause.code} ` : ''}${cause.message}`) : e;
}
