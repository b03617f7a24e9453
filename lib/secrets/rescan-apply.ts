import { RE2JS } from "re2js";
import { keyedDigest } from "./keys";
import { HASH_MARKER, SECRET_MARKER, secretMarker, type DataPolicy, type PolicyAction } from "./policy";

// THE SEAM between the re-scan job (lib/secrets/rescan.ts) and the policy engine: what a policy
// does to one stored string value. The re-scan only calls `applyPolicyToValue`.
//
// WIRING: ingest masking (lib/secrets/mask.ts, scan.ts) is the policy engine proper (the
// secretlint preset and high-entropy tokens). Once it is on this branch, `applyPolicyToValue`
// should delegate the "mask" action to it (maskRecord / the scanner for one value) so stored
// content is masked exactly as new content is. Until then "mask" applies the tenant's extra
// patterns; keep, hash and drop are complete.

export interface ApplyContext {
  tenantId: string;
  /** What the value is: a column (`error`), an attribute or `fields` key (`prompt`), or `compliance.text`. */
  target: string;
  policy: DataPolicy;
}

/** The value to store instead, or null to drop it. Idempotent: applying the result again changes nothing. */
export type ApplyPolicy = (value: string, ctx: ApplyContext) => string | null;

/** The action for a target: its exact rule, else the longest matching prefix rule, else the default. */
export function actionFor(policy: DataPolicy, target: string): PolicyAction {
  let best: { length: number; action: PolicyAction } | null = null;
  for (const r of policy.rules) {
    if (r.target === target) return r.action;
    if (r.target.endsWith("*")) {
      const prefix = r.target.slice(0, -1);
      if (target.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, action: r.action };
    }
  }
  return best?.action ?? policy.defaultAction;
}

const compiled = new Map<string, RE2JS>();
function re2(source: string): RE2JS {
  let re = compiled.get(source);
  if (!re) {
    re = RE2JS.compile(source);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(source, re);
  }
  return re;
}

/** Markers already in a value (secrets masked, values hashed): never matched again. */
const MARKERS = new RegExp(`${SECRET_MARKER.source}|${HASH_MARKER.source}`, "g");

function exempt(match: string, exemptions: string[]): boolean {
  return exemptions.some((x) => x === match || re2(x).matches(match));
}

/** Applies `fn` to the text between existing markers, leaving the markers as they are. */
function outsideMarkers(value: string, fn: (segment: string) => string): string {
  let out = "";
  let last = 0;
  for (const marker of value.matchAll(MARKERS)) {
    out += fn(value.slice(last, marker.index)) + marker[0];
    last = marker.index + marker[0].length;
  }
  return out + fn(value.slice(last));
}

/** Replaces each match of the extra patterns (outside existing markers, exemptions excepted) by its marker. */
function maskExtraPatterns(value: string, ctx: ApplyContext): string {
  let text = value;
  for (const p of ctx.policy.extraPatterns) {
    const re = re2(p.pattern);
    // Pattern by pattern: a later pattern never matches inside the marker an earlier one wrote.
    text = outsideMarkers(text, (segment) => {
      const m = re.matcher(segment);
      let result = "";
      let from = 0;
      while (m.find()) {
        const hit = m.group() ?? "";
        if (hit === "" || exempt(hit, ctx.policy.exemptions)) continue;
        result += segment.slice(from, m.start()) + secretMarker(p.kind, keyedDigest(ctx.tenantId, "secret-fingerprint", hit).slice(0, 8));
        from = m.end();
      }
      return result + segment.slice(from);
    });
  }
  return text;
}

export const applyPolicyToValue: ApplyPolicy = (value, ctx) => {
  switch (actionFor(ctx.policy, ctx.target)) {
    case "keep":
      return value;
    case "drop":
      return null;
    case "hash":
      // A value that is already its hash stays as it is.
      if (/^\[hash:hmac8=[0-9a-f]{8}\]$/.test(value)) return value;
      return `[hash:hmac8=${keyedDigest(ctx.tenantId, "field-hash", value).slice(0, 8)}]`;
    case "mask":
      return maskExtraPatterns(value, ctx);
  }
};
