"use client";

import { useActionState } from "react";
import { deleteWebhookAction, retryFailedAction, sendTestAction, type DeliveryActionState } from "@/app/(console)/settings/alerts-delivery/actions";

function Outcome({ state }: { state: DeliveryActionState }) {
  if (!state.message) return null;
  return (
    <span role="status" className={`text-xs ${state.status === "error" ? "text-red-700 dark:text-red-400" : "text-emerald-700 dark:text-emerald-400"}`}>
      {state.message}
    </span>
  );
}

/** "Send test": POSTs a signed sample alert now and says what the receiver answered. */
export function SendTestButton({ disabled }: { disabled: boolean }) {
  const [state, action, pending] = useActionState<DeliveryActionState, FormData>(sendTestAction, { status: "idle" });
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <button type="submit" className="btn-secondary" disabled={disabled || pending}>
        {pending ? "Sending…" : "Send test"}
      </button>
      <Outcome state={state} />
    </form>
  );
}

export function RetryFailedButton({ failed }: { failed: number }) {
  const [state, action, pending] = useActionState<DeliveryActionState, FormData>(retryFailedAction, { status: "idle" });
  return (
    <form action={action} className="flex flex-wrap items-center gap-3">
      <button type="submit" className="btn-secondary" disabled={failed === 0 || pending}>
        {pending ? "Queuing…" : "Retry failed"}
      </button>
      <Outcome state={state} />
    </form>
  );
}

export function RemoveWebhookButton() {
  const [state, action, pending] = useActionState<DeliveryActionState, FormData>(deleteWebhookAction, { status: "idle" });
  return (
    <form
      action={action}
      onSubmit={(e) => {
        if (!window.confirm("Remove the webhook and its undelivered alerts?")) e.preventDefault();
      }}
      className="flex flex-wrap items-center gap-3"
    >
      <button type="submit" className="btn-secondary text-red-700 dark:text-red-400" disabled={pending}>
        Remove webhook
      </button>
      <Outcome state={state} />
    </form>
  );
}
