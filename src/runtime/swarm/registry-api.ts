// The few calls of the registry's HTTP API (distribution v2) Berth makes to delete what it pushed:
// a repository's tags, a tag's manifest digest, and the deletion of a manifest by digest. Over TLS,
// verified against Berth's CA, as nodes verify it.
import { request } from 'node:https';

/** The manifest types the engine pushes; asked for so the registry reports the digest it stored, not a converted one. */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export class RegistryApi {
  constructor(private readonly address: string, private readonly ca: string) {}

  /** The repository's tags; none when the registry has no such repository. */
  async tags(repository: string): Promise<string[]> {
    const res = await this.call('GET', `/v2/${repository}/tags/list`);
    if (res.status === 404) return [];
    if (res.status !== 200) throw new Error(`tags of ${repository}: registry answered ${res.status} ${res.body.slice(0, 200)}`);
    return (JSON.parse(res.body) as { tags?: string[] | null }).tags ?? [];
  }

  /** The digest of the manifest a tag names, or undefined when the tag is gone. */
  async manifestDigest(repository: string, tag: string): Promise<string | undefined> {
    const res = await this.call('HEAD', `/v2/${repository}/manifests/${tag}`, { Accept: MANIFEST_TYPES });
    if (res.status === 404) return undefined;
    const digest = res.headers['docker-content-digest'];
    if (res.status !== 200 || typeof digest !== 'string') throw new Error(`manifest of ${repository}:${tag}: registry answered ${res.status}`);
    return digest;
  }

  /** Deletes a manifest (and with it every tag naming it); its layers go at the next garbage collection. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    const res = await this.call('DELETE', `/v2/${repository}/manifests/${digest}`);
    if (res.status !== 202 && res.status !== 404) throw new Error(`delete of ${repository}@${digest}: registry answered ${res.status} ${res.body.slice(0, 200)}`);
  }

  private call(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
    const colon = this.address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const req = request({ host: this.address.slice(0, colon), port: Number(this.address.slice(colon + 1)), method, path, headers, ca: this.ca, timeout: 15_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`registry ${method} ${path}: no answer in 15 s`)));
      req.end();
    });
  }
}
