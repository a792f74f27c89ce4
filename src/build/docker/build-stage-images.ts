// The images a Dockerfile build makes besides the one it tags. The engine's classic builder
// commits every step as an image; those of the final stage are the tagged image's parents, but
// those of earlier stages (a builder stage with its tools, its source, a secret it fetched) stay
// behind untagged, unlabelled and owned by nobody. Berth removes every image the build made
// that the app's image does not descend from, and all of them when the build fails.
import type Docker from 'dockerode';

export class BuildStageImages {
  /** Full ids, in the order the build made them (a parent before its children). */
  private readonly made: Promise<string | undefined>[] = [];
  private instruction = '';
  private idsInStep = 0;
  private fromCache = false;
  private triggers = false;

  constructor(private readonly docker: Docker) {}

  /**
   * Reads one line of the engine's build output. Every step ends with ` ---> <id>`; that id is
   * the step's base image on FROM, an existing image after ` ---> Using cache` (the app's own,
   * see build-cache-sources), otherwise an image this build just made.
   */
  observe(line: string): void {
    const step = /^Step \d+\/\d+ : (\S+)/.exec(line);
    if (step) {
      this.instruction = step[1]!.toUpperCase();
      this.idsInStep = 0;
      this.fromCache = false;
      this.triggers = false;
      return;
    }
    if (line.trim() === '---> Using cache') {
      this.fromCache = true;
      return;
    }
    // The base's ONBUILD triggers run inside the FROM step, which then reports their last image.
    if (/^# Executing \d+ build triggers?/.test(line)) {
      this.triggers = true;
      return;
    }
    const id = /^ ---> ([0-9a-f]{12,64})$/.exec(line)?.[1];
    if (!id) return;
    const base = this.instruction === 'FROM' && this.idsInStep === 0 && !this.triggers;
    const made = !base && !this.fromCache;
    this.idsInStep++;
    this.fromCache = false;
    // Resolved at once: the short id the engine prints names this image only while no newer image shares its prefix.
    if (made) this.made.push(this.docker.getImage(id).inspect().then((info) => info.Id, () => undefined));
  }

  /** Full ids of the images the build made so far. */
  async ids(): Promise<string[]> {
    return (await Promise.all(this.made)).filter((id): id is string => id !== undefined);
  }

  /**
   * Removes the images the build made that `image` does not descend from (with no image: all
   * of them, after a failed build). Children go before their parents, and each removal takes its
   * unnamed parents that have no other child (images of the build the output never showed, such
   * as all but the last of a base's triggers); an image that turned out to be named or used
   * elsewhere is left alone. Resolves with the ids that could not go.
   */
  async removeAllBut(image: string | undefined): Promise<string[]> {
    const ancestors = new Set<string>();
    if (image) for (const layer of await this.docker.getImage(image).history()) ancestors.add(String(layer.Id));
    const left: string[] = [];
    for (const id of (await this.ids()).reverse()) {
      if (ancestors.has(id)) continue;
      if (!(await this.removeUnnamed(id))) left.push(id);
    }
    return left;
  }

  private async removeUnnamed(id: string): Promise<boolean> {
    let info: Docker.ImageInspectInfo;
    try {
      info = await this.docker.getImage(id).inspect();
    } catch (e) {
      return (e as { statusCode?: number }).statusCode === 404;
    }
    const names = [...(info.RepoTags ?? []), ...(info.RepoDigests ?? [])].filter((n) => !n.startsWith('<none>'));
    if (names.length > 0) return false;
    try {
      // Pruning stops at a named image (every base is named: dockerfile-image-check) and at any
      // image with another child, so only this build's unnamed chain goes.
      await this.docker.getImage(id).remove({ noprune: false });
      return true;
    } catch (e) {
      return (e as { statusCode?: number }).statusCode === 404;
    }
  }
}
