// What the engine makes of an image reference before a pull: which registry it names and the
// exact reference to ask for. Docker's own rule (distribution's `splitDockerDomain`): the first
// path component is a registry host only when it contains a `.` or a `:` or is `localhost`;
// anything else (`node:22`, `bitnami/redis`) lives on Docker Hub.

/** How Docker names Docker Hub in messages and in `docker login`. */
export const DOCKER_HUB = 'docker.io';

/** The registry host (with its port) that serves ref, or `docker.io`. */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return DOCKER_HUB;
  const first = ref.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!isHost || first === 'index.docker.io') return DOCKER_HUB;
  return first;
}

/**
 * The reference with its implied `:latest`: the engine pulls *every* tag of a repository asked
 * for without a tag or digest, where a Dockerfile's `FROM node` means `node:latest`.
 */
export function pullReference(ref: string): string {
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  return ref.includes('@') || lastPart.includes(':') ? ref : `${ref}:latest`;
}

/** Whether ref names an image in Berth's own namespaces on Docker Hub (`berth/…`, `berth-app/…`). */
export function isBerthImageName(ref: string): boolean {
  const name = ref.toLowerCase().replace(/^(docker\.io|index\.docker\.io)\//, '');
  return /^(berth|berth-app)\//.test(name);
}
