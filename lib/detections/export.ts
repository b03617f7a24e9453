import { isMap, isScalar, parseAllDocuments, YAMLMap, type Document } from "yaml";
import { effectiveLevel, isEnabled, type CompiledRule } from "./pack";
import { ALLOWLISTS, type DetectionException, type TenantTuning } from "./types";

// The pack as plain Sigma for another SIEM, optionally with a tenant's tuning written in: disabled
// rules left out, level overrides set, exceptions added as `not 1 of blindspot_exception_*`
// filters, and allowlist placeholders (%mcp_servers% …) replaced by the tenant's values.

export interface ExportedRule {
  /** Path under the export directory, e.g. claude_code/bypass-permissions.yml. */
  path: string;
  yaml: string;
}

/** A value no real server, marketplace or host carries: an empty allowlist matches nothing. */
export const EMPTY_ALLOWLIST_VALUE = (list: string) => `blindspot:empty-allowlist:${list}`;

const OPERATOR_MODIFIER: Record<DetectionException["operator"], string> = { equals: "", startswith: "|startswith", contains: "|contains" };

/** Sigma wildcards in an exception value are literal text. */
const escapeSigma = (v: string) => v.replace(/[\\*?]/g, "\\$&");

function fillPlaceholders(detection: YAMLMap, tuning: TenantTuning): void {
  for (const sel of detection.items) {
    const body = sel.value;
    const maps = isMap(body) ? [body] : body && typeof body === "object" && "items" in body ? (body.items as unknown[]).filter(isMap) : [];
    for (const m of maps) {
      for (const entry of [...m.items]) {
        const key = isScalar(entry.key) ? String(entry.key.value) : String(entry.key);
        const mods = key.split("|");
        if (!mods.includes("expand")) continue;
        const raw = (entry.value as { toJSON?: () => unknown })?.toJSON?.() ?? entry.value;
        const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => {
          let out = [String(v)];
          for (const list of ALLOWLISTS) {
            if (!out.some((s) => s.includes(`%${list}%`))) continue;
            const entries = tuning.allowlists[list].length ? tuning.allowlists[list].map(escapeSigma) : [EMPTY_ALLOWLIST_VALUE(list)];
            out = out.flatMap((s) => entries.map((e) => s.split(`%${list}%`).join(e)));
          }
          return out;
        });
        m.delete(entry.key);
        m.set(mods.filter((x) => x !== "expand").join("|"), values.length === 1 ? values[0] : values);
      }
    }
  }
}

function addExceptions(doc: Document, exceptions: DetectionException[]): void {
  if (exceptions.length === 0) return;
  const detection = doc.get("detection") as YAMLMap | undefined;
  if (!detection) return;
  exceptions.forEach((e, i) => {
    detection.set(`blindspot_exception_${i + 1}`, doc.createNode({ [`${e.field}${OPERATOR_MODIFIER[e.operator]}`]: escapeSigma(e.value) }));
  });
  const condition = String(detection.get("condition"));
  detection.delete("condition");
  detection.set("condition", `(${condition}) and not 1 of blindspot_exception_*`);
}

/** One rule file, with the tenant's tuning applied when given; null when the tenant disabled it. */
export function exportRule(rule: CompiledRule, tuning: TenantTuning | null): ExportedRule | null {
  const path = rule.file.replace(/^rules\//, "");
  if (!tuning) return { path, yaml: rule.yaml };
  if (!isEnabled(rule, tuning)) return null;
  const docs = parseAllDocuments(rule.yaml);
  if (!Array.isArray(docs)) return null;
  const baseIds = new Set(rule.correlation?.rules.map((r) => r.id) ?? []);
  for (const doc of docs) {
    if (doc.contents === null) continue;
    const id = String(doc.get("id"));
    if (id === rule.id) {
      const level = effectiveLevel(rule, tuning);
      if (level !== rule.level) doc.set("level", level);
    }
    const detection = doc.get("detection");
    if (!isMap(detection)) continue;
    fillPlaceholders(detection, tuning);
    // Exceptions for this rule (a correlation's apply to the rules it correlates) or for every rule.
    const applies = (e: DetectionException) => e.ruleId === null || e.ruleId === id || (baseIds.has(id) && e.ruleId === rule.id);
    addExceptions(doc, tuning.exceptions.filter(applies));
  }
  const yaml = docs.filter((d) => d.contents !== null).map((d) => String(d).trimEnd().replace(/^---\n/, "")).join("\n---\n") + "\n";
  return { path, yaml: `# Exported from Blindspot with the tenant's tuning applied.\n${yaml}` };
}
