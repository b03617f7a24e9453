import { describeError } from "@/lib/ingest/db-errors";
import {
  ComplianceApiError,
  ComplianceAuthenticationError,
  ComplianceNetworkError,
  CompliancePermissionError,
  ComplianceRateLimitError,
  ComplianceResponseError,
} from "../client";
import { ComplianceDestinationError } from "../destination";
import { STREAM_SCOPE, type Stream } from "./catalog";

// How a failed stream is described: a category for everyone, a text for operators.

/**
 * What kind of failure, for people who may not read the error text (non-admins): the text can
 * carry the server's own words, addresses and ports.
 */
export const ERROR_CATEGORIES = ["config", "blocked_destination", "network", "auth", "rate_limited", "server", "bad_response", "internal"] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export function errorCategory(err: unknown): ErrorCategory {
  if (err instanceof ComplianceDestinationError) return "blocked_destination";
  if (err instanceof ComplianceAuthenticationError || err instanceof CompliancePermissionError) return "auth";
  if (err instanceof ComplianceRateLimitError) return "rate_limited";
  if (err instanceof ComplianceApiError) return "server";
  if (err instanceof ComplianceNetworkError) return "network";
  if (err instanceof ComplianceResponseError) return "bad_response";
  return "internal";
}

/** A stream error as operators should read it: what failed and what to do; never content or keys. */
export function describeSyncError(err: unknown, stream: Stream, baseUrl: string): string {
  if (err instanceof ComplianceAuthenticationError) {
    return `The Compliance API rejected the access key (${err.status} ${err.type}: ${err.apiMessage}). Check the key, or enter a new one.`;
  }
  if (err instanceof CompliancePermissionError) {
    return `The access key lacks the scope ${STREAM_SCOPE[stream]} (${err.status} ${err.type}: ${err.apiMessage})`;
  }
  if (err instanceof ComplianceRateLimitError) return `Rate limited by the Compliance API (${err.message}); the next run continues where this one stopped.`;
  if (err instanceof ComplianceApiError) return `The Compliance API answered ${err.message}`;
  if (err instanceof ComplianceNetworkError) return `${err.message} at ${baseUrl}`;
  if (err instanceof ComplianceResponseError) return err.message;
  if (err instanceof ComplianceDestinationError) return `The connector refused to connect: ${err.message}`;
  return `Internal error: ${describeError(err)}`;
}

