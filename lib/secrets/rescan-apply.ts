import { keyedDigest } from "./keys";
import { actionFor, RecordMasker } from "./mask";
import { HASH_MARKER, SECRET_MARKER, type DataPolicy } from "./policy";

// What the re-scan job (lib/secrets/rescan.ts) does to one stored string value under a policy:
// keep, hash and drop here; mask through ingest's own masker (lib/secrets/mask.ts), so stored
// content is masked exactly as new content is (the secretlint preset, the own detectors, the
// policy's extra patterns and exemptions). Existing markers are never masked again.

export interface ApplyContext {
  tenantId: string;
  /** What the value is: a column (`error`), an attribute or `fields` key (`prompt`), or `compliance.text`. */
  target: string;
  policy: DataPolicy;
}

/** The value to store instead, or null to drop it. Idempotent: applying the result again changes nothing. */
export type ApplyPolicy = (value: string, ctx: ApplyContext) => string | null;

/** Markers already in a value (secrets masked, values hashed): never matched again. */
const MARKERS = new RegExp(`${SECRET_MARKER.source}|${HASH_MARKER.source}`, "g");

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
    case "mask": {
      const masker = new RecordMasker(ctx.tenantId, { version: 0, policy: ctx.policy });
      return outsideMarkers(value, (segment) => masker.maskText(segment, ctx.target));
    }
  }
};
