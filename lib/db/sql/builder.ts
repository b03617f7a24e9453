// The one way query modules put values into SQL: every value becomes a positional parameter
// ($1, $2, …) and the SQL text only ever holds placeholders, never a value. Conditions are kept
// here too, so a filter is a list of calls rather than hand-counted `$n`s.

/** Positional parameters and the AND-ed conditions of one statement. */
export class SqlBuilder {
  readonly values: unknown[] = [];
  private readonly conditions: string[] = [];

  /** The placeholder of a new parameter holding `value`. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds a condition (SQL that uses placeholders from `param`). */
  where(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** `column = value`, or nothing when the value is absent (undefined, null or ""): an optional filter. */
  whereEquals(column: string, value: unknown): this {
    if (value === undefined || value === null || value === "") return this;
    return this.where(`${column} = ${this.param(value)}`);
  }

  /** The conditions joined with AND (TRUE when there are none). */
  whereSql(): string {
    return this.conditions.length > 0 ? this.conditions.join(" AND ") : "TRUE";
  }
}
