import { describe, expect, it } from "vitest";
import { SqlBuilder } from "./builder";

describe("SqlBuilder", () => {
  it("numbers placeholders in the order values are added and keeps values out of the SQL", () => {
    const sql = new SqlBuilder();
    sql.where(`e.tenant_id = ${sql.param("t1")}`);
    sql.whereEquals("e.source", "claude_code'; --");
    const u = sql.param("a@b.example");
    sql.where(`(e.user_email = ${u} OR e.user_id = ${u})`);
    expect(sql.whereSql()).toBe("e.tenant_id = $1 AND e.source = $2 AND (e.user_email = $3 OR e.user_id = $3)");
    expect(`LIMIT ${sql.param(11)}`).toBe("LIMIT $4");
    expect(sql.values).toEqual(["t1", "claude_code'; --", "a@b.example", 11]);
  });

  it("an absent optional filter adds nothing; false and 0 are values", () => {
    const sql = new SqlBuilder();
    sql.whereEquals("a", undefined).whereEquals("b", null).whereEquals("c", "");
    expect(sql.whereSql()).toBe("TRUE");
    expect(sql.values).toEqual([]);
    sql.whereEquals("success", false).whereEquals("n", 0);
    expect(sql.whereSql()).toBe("success = $1 AND n = $2");
    expect(sql.values).toEqual([false, 0]);
  });
});
