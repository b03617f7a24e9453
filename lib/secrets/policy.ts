// A tenant's data policy: what happens to each content field and attribute before it is stored.
// CONTRACT shared by ingest masking (lib/secrets/mask*.ts), the policy store and Settings → Data
// (lib/secrets/policy-store.ts), and the re-scan job. The default (no stored policy) masks
// secrets in every content field and attribute, and keeps everything else.

/**
 * keep: store as sent. mask: store with each detected secret replaced by its marker (default).
 * hash: store a keyed digest of the whole value instead (`[hash:hmac8=…]`), so equal values still match.
 * drop: do not store the value (the record notes that it was dropped).
 */
export type PolicyAction = "keep" | "mask" | "hash" | "drop";
export const POLICY_ACTIONS = ["keep", "mask", "hash", "drop"] as const satisfies readonly PolicyAction[];

export interface PolicyRule {
  /**
   * What the rule applies to: a registry field by its SQL column (`prompt`, `tool_input`), an
   * attribute key (`tool_parameters`, `gen_ai.input.messages`), or a key prefix ending in `*`
   * (`gen_ai.*`), or a Compliance field (`compliance.text`).
   */
  target: string;
  action: PolicyAction;
}

export interface ExtraPattern {
  /** Kind written in the marker (`[secret:<kind>:…]`): lowercase letters, digits and dashes. */
  kind: string;
  /** A regular expression (RE2 syntax: linear time, no look-around or back-references). */
  pattern: string;
}

export interface DataPolicy {
  /** Rules; the most specific target wins (exact field or key, then the longest prefix). */
  rules: PolicyRule[];
  /** Action for content not named by any rule. */
  defaultAction: PolicyAction;
  /** Patterns masked in addition to the secretlint preset and high-entropy tokens. */
  extraPatterns: ExtraPattern[];
  /** Literal strings or RE2 patterns never masked (a test key, a known public token). */
  exemptions: string[];
  /** Drop the email of a person (stored as null; the account id still identifies). */
  dropEmail: boolean;
}

export const DEFAULT_DATA_POLICY: DataPolicy = {
  rules: [],
  defaultAction: "mask",
  extraPatterns: [],
  exemptions: [],
  dropEmail: false,
};

/** A policy as stored: each saved change is a new version; records carry the version they were stored under (0 = the default). */
export interface StoredDataPolicy {
  version: number;
  policy: DataPolicy;
}

/**
 * The marker that replaces a secret: `[secret:<kind>:hmac8=<8 hex>]`. The 8 hex characters are
 * the first 32 bits of keyedDigest(tenant, "secret-fingerprint", secret): enough to follow one
 * secret across sessions and people, too few to confirm a guess offline without the key.
 */
export const SECRET_MARKER = /\[secret:([a-z0-9-]+):hmac8=([0-9a-f]{8})\]/g;
export function secretMarker(kind: string, fingerprint8: string): string {
  return `[secret:${kind}:hmac8=${fingerprint8}]`;
}
export const HASH_MARKER = /\[hash:hmac8=([0-9a-f]{8})\]/g;
