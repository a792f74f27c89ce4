// The stack build's output as a user should see it: a few progress lines, not apt's ~2,000. Docker
// steps and apt's phases (download, unpack, set up) are announced once each, set-up progress every
// so many packages, warnings and errors as they come; the raw lines are kept (the last few) so that a
// failed build can show what apt said just before it failed.

const KEPT_RAW_LINES = 40;
const SETUP_REPORT_EVERY = 100;

export class StackBuildProgress {
  private readonly recent: string[] = [];
  private phase: 'none' | 'download' | 'unpack' | 'setup' = 'none';
  private setUp = 0;

  constructor(private readonly say: (line: string) => void) {}

  /** One line of the Docker build stream. */
  line(raw: string): void {
    this.recent.push(raw);
    if (this.recent.length > KEPT_RAW_LINES) this.recent.shift();
    const text = raw.trim();
    const step = /^Step (\d+\/\d+) : (.*)$/.exec(text);
    if (step) {
      this.endSetup();
      this.phase = 'none';
      const instruction = step[2]!.length > 90 ? `${step[2]!.slice(0, 87)}...` : step[2]!;
      this.say(`Step ${step[1]}: ${instruction}`);
    } else if (/^(E|W): /.test(text) || /^(ERROR|error):/.test(text)) {
      this.say(text);
    } else if (/^Get:\d+ /.test(text)) {
      this.enter('download', 'downloading packages...');
    } else if (/^Fetched /.test(text)) {
      this.say(text);
    } else if (/^Unpacking /.test(text)) {
      this.enter('unpack', 'unpacking packages...');
    } else if (/^Setting up /.test(text)) {
      this.enter('setup', 'setting up packages...');
      this.setUp++;
      if (this.setUp % SETUP_REPORT_EVERY === 0) this.say(`set up ${this.setUp} packages`);
    } else if (/^Successfully (built|tagged) /.test(text)) {
      this.endSetup();
    }
  }

  /** Call when the build ended; after a failure, shows apt's last words. */
  end(failed: boolean): void {
    this.endSetup();
    if (!failed) return;
    this.say('The last lines of the stack build were:');
    for (const l of this.recent) this.say(`  ${l}`);
  }

  private enter(phase: 'download' | 'unpack' | 'setup', announcement: string): void {
    if (this.phase === phase) return;
    if (this.phase === 'setup') this.endSetup();
    this.phase = phase;
    this.say(announcement);
  }

  private endSetup(): void {
    if (this.phase === 'setup' && this.setUp % SETUP_REPORT_EVERY !== 0) this.say(`set up ${this.setUp} packages`);
    if (this.phase === 'setup') this.phase = 'none';
  }
}
