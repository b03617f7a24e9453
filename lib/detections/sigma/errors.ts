// A rule that does not load is reported with its file, line and reason; every other rule keeps running.

export interface RuleLoadError {
  file: string;
  /** 1-based; null when the problem is not at one place (e.g. a duplicate id across files). */
  line: number | null;
  reason: string;
}

/** A problem in a rule document, at a YAML path the loader turns into a line number. */
export class SigmaError extends Error {
  constructor(
    message: string,
    readonly path: (string | number)[] = [],
  ) {
    super(message);
    this.name = "SigmaError";
  }
}
