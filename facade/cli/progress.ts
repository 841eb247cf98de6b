// Progress of long commands (export, import) on stderr: one redrawn bar on a terminal, plain lines otherwise (a
// log file or a CI job gets a line per step, never carriage returns). Written here: a few lines, where a progress
// library would bring its own terminal handling for one bar.

const WIDTH = 30;
/** Redraws at most this often on a terminal. */
const REDRAW_MS = 100;

const grouped = (n: number): string => n.toLocaleString('en-US');

export class Progress {
  private readonly tty: boolean;
  private label = '';
  private lastDraw = 0;
  private lastTenth = -1;
  private drawn = false;
  /** Plain output, no total: the step's last count, printed when the step ends. */
  private pending = '';

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {
    this.tty = out.isTTY === true;
  }

  /** `done` of `total` (when known) for the step `label`. */
  update(label: string, done: number, total?: number): void {
    if (label !== this.label) {
      this.finishStep();
      this.label = label;
      this.lastTenth = -1;
    }
    const text = total
      ? `${this.bar(done, total)} ${label} ${grouped(done)}/${grouped(total)}`
      : `${label} ${grouped(done)}`;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDraw < REDRAW_MS && done !== total) return;
      this.lastDraw = now;
      this.out.write(`\r${text}\u001b[K`);
      this.drawn = true;
    } else if (total) {
      // Plain output: one line per tenth, so a long step still shows it is moving.
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== this.lastTenth) {
        this.lastTenth = tenth;
        this.out.write(`${label} ${grouped(done)}/${grouped(total)}\n`);
      }
    } else {
      this.pending = `${label} ${grouped(done)}`;
    }
  }

  private bar(done: number, total: number): string {
    const filled = Math.min(WIDTH, Math.round((done / total) * WIDTH));
    return `[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${String(Math.floor((done / total) * 100)).padStart(3)}%`;
  }

  private finishStep(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    else if (this.pending) this.out.write(`${this.pending}\n`);
    this.drawn = false;
    this.pending = '';
  }

  /** A step without a count, e.g. waiting for the server. */
  note(text: string): void {
    this.finishStep();
    this.label = '';
    this.out.write(`${text}\n`);
  }

  /** Ends the last step's line. */
  end(): void {
    this.finishStep();
    this.label = '';
  }
}
