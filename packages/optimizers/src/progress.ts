import { settings } from '@dspy-ts/core';
import cliProgress from 'cli-progress';

/** A live progress display: `update` after each finished item, `stop` at the end. */
export interface Progress {
  update(done: number, text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  total: number;
  /** Where the live bar goes (default: stderr, as tqdm). */
  stream?: NodeJS.WriteStream | undefined;
  /** Plain lines are printed each time this fraction of the total is done (default 0.1). */
  lineStep?: number | undefined;
}

const NONE: Progress = { update: () => {}, stop: () => {} };

/**
 * A live bar (cli-progress) when the stream is a terminal, else plain periodic lines through
 * `settings.logger.info`: CI logs and piped output get a readable record instead of escape codes.
 */
export function createProgress(enabled: boolean, options: ProgressOptions): Progress {
  if (!enabled || options.total === 0) return NONE;
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      { format: '{bar} {value}/{total} | {text}', stream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { text: '' });
    return {
      update: (done, text) => bar.update(done, { text }),
      stop: () => bar.stop(),
    };
  }
  const step = Math.max(1, Math.ceil(options.total * (options.lineStep ?? 0.1)));
  let printed = 0;
  let last = { done: 0, text: '' };
  const print = () => {
    printed = last.done;
    settings.logger.info(`${last.text} [${last.done}/${options.total}]`);
  };
  return {
    update: (done, text) => {
      last = { done, text };
      if (done - printed >= step || done === options.total) print();
    },
    stop: () => {
      if (last.done > printed) print();
    },
  };
}
