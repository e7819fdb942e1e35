// Commands throw ExitError instead of exiting; src/cli/index.ts is the only place that exits.

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class ExitError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

/** Bad usage: a flag, argument or input file that is wrong (exit 2). */
export function usageError(message: string): ExitError {
  return new ExitError(message, EXIT_USAGE);
}
