import { personLabel } from "@/lib/presentation/format";
import { personHref } from "@/lib/presentation/links";
import { PivotMenu } from "./pivot-menu";

// A person named by a record, as a pivot: filter the Explorer for or against them, open their page.

interface Props {
  user: { email: string | null; enduserId: string | null; accountUuid?: string | null; accountId: string | null; id: string | null };
  query?: string;
}

export function PersonPivot({ user, query }: Props) {
  const { label, query: value } = personLabel(user);
  if (!value) return <span>{label}</span>;
  const href = personHref({ userEmail: user.email, enduserId: user.enduserId, accountUuid: user.accountUuid, accountId: user.accountId, userId: user.id });
  return (
    <PivotMenu field="user" value={value} query={query} openHref={href ?? undefined} openLabel="Open person">
      <span className="link">{label}</span>
    </PivotMenu>
  );
}
