// A pull's output as a user should see it: a few lines per image, not the engine's stream of
// one event per layer per chunk. Says how many layers there are and how many were already on the
// engine when the downloads start, once more halfway through the downloads (a long pull is seen to
// move), and what was downloaded, with the digest, when the pull ends. A layer's size is known only
// from its Downloading events, which the engine may skip for a small layer: such a layer still
// counts as downloaded, and the size said is what the engine told.
import type { ProgressEvent } from './engine-progress.js';

export class ImagePullProgress {
  /** Layer id → bytes to download (0 until the engine says). */
  private readonly downloads = new Map<string, number>();
  private readonly present = new Set<string>();
  private readonly downloaded = new Set<string>();
  private announced = false;
  private digest: string | undefined;
  private upToDate = false;

  constructor(private readonly ref: string, private readonly say: (line: string) => void) {}

  /** One event of the engine's pull stream. */
  event(e: ProgressEvent): void {
    const status = e.status ?? '';
    if (e.id && status === 'Already exists') this.present.add(e.id);
    else if (e.id && (status === 'Pulling fs layer' || status === 'Waiting')) {
      if (!this.downloads.has(e.id)) this.downloads.set(e.id, 0);
    } else if (e.id && status === 'Downloading') {
      this.announce();
      const total = e.progressDetail?.total;
      if (total && total > 0) this.downloads.set(e.id, total);
    } else if (e.id && status === 'Download complete' && this.downloads.has(e.id)) {
      this.downloaded.add(e.id);
      const [done, all] = [this.downloaded.size, this.downloads.size];
      if (all >= 2 && done < all && done === Math.ceil(all / 2)) {
        this.say(`downloaded ${done} of ${all} layers (${formatMb(this.bytesOf(this.downloaded))})`);
      }
    } else if (status.startsWith('Digest: ')) this.digest = status.slice('Digest: '.length);
    else if (status.startsWith('Status: Image is up to date')) this.upToDate = true;
  }

  /** Call once the pull succeeded. */
  end(): void {
    this.announce();
    const what = this.upToDate ? 'already up to date' : this.downloads.size === 0 ? 'nothing to download' : this.downloadedSummary();
    this.say(`pulled ${this.ref}${this.digest ? ` (${this.digest})` : ''}: ${what}`);
  }

  private downloadedSummary(): string {
    const count = this.downloads.size;
    const bytes = this.bytesOf(this.downloads.keys());
    return `${count} layer${count === 1 ? '' : 's'} downloaded${bytes > 0 ? ` (${formatMb(bytes)})` : ''}`;
  }

  private bytesOf(layers: Iterable<string>): number {
    let sum = 0;
    for (const id of layers) sum += this.downloads.get(id) ?? 0;
    return sum;
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    const layers = this.downloads.size + this.present.size;
    if (layers === 0) return;
    const count = `${layers} layer${layers === 1 ? '' : 's'}`;
    if (this.downloads.size === 0) this.say(`${count}, all already on the engine`);
    else if (this.present.size === 0) this.say(`${count}; downloading ${this.downloads.size}...`);
    else this.say(`${count}, ${this.present.size} already on the engine; downloading ${this.downloads.size}...`);
  }
}

const formatMb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
