import { InviteUserForm } from "@/components/settings/invite-form";
import { Badge } from "@/components/ui/badge";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { ROLES } from "@/lib/auth/roles";
import { requireUser } from "@/lib/auth/session";
import { listTenantUsers } from "@/lib/auth/users";
import { formatTime } from "@/lib/presentation/format";
import { changeRoleAction, setActiveAction, setOwnerAction } from "@/lib/actions/users";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Users", "Settings") };

export default async function UsersPage() {
  const admin = await requireUser({ roles: ["admin"] });
  const users = await listTenantUsers(admin.tenantId);
  return (
    <div className="space-y-4">
      <p className="max-w-3xl text-xs text-slate-500 dark:text-slate-400">
        Analysts and admins read content (prompt text, tool inputs and outputs); managers see everything else with content hidden. Admins administer
        this tenant; owners are admins of every tenant and of instance settings. Deactivating someone also revokes the API tokens they created.
        Changes apply at the user&apos;s next request.
      </p>
      <InviteUserForm />
      <Table>
        <THead>
          <tr>
            <Th>User</Th>
            <Th>Role</Th>
            <Th>Status</Th>
            <Th>Last sign-in</Th>
            <Th><span className="sr-only">Actions</span></Th>
          </tr>
        </THead>
        <TBody>
          {users.map((u) => {
            // The server actions check the same: nobody changes themselves, only owners change owners.
            const editable = u.id !== admin.id && (!u.isOwner || admin.isOwner);
            return (
              <Tr key={u.id}>
                <Td>
                  <div className="font-medium">{u.name ?? u.email}</div>
                  {u.name && <div className="text-slate-500">{u.email}</div>}
                </Td>
                <Td>
                  <form action={changeRoleAction} className="flex items-center gap-1">
                    <input type="hidden" name="id" value={u.id} />
                    <label className="sr-only" htmlFor={`role-${u.id}`}>Role of {u.email}</label>
                    <select id={`role-${u.id}`} name="role" defaultValue={u.role} className="field py-0.5 text-xs" disabled={!editable || u.isOwner}>
                      {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                    </select>
                    {editable && !u.isOwner && <button type="submit" className="btn-secondary py-0.5 text-xs">Save</button>}
                    {u.isOwner && <Badge tone="sky">owner</Badge>}
                  </form>
                </Td>
                <Td>{u.deactivatedAt ? <Badge tone="red">deactivated</Badge> : <Badge tone="emerald">active</Badge>}</Td>
                <Td nowrap mono muted>{u.lastLoginAt ? formatTime(u.lastLoginAt) : "never"}</Td>
                <Td>
                  {editable && (
                    <div className="flex items-center gap-1">
                      <form action={setActiveAction}>
                        <input type="hidden" name="id" value={u.id} />
                        <input type="hidden" name="active" value={u.deactivatedAt ? "true" : "false"} />
                        <button type="submit" className="btn-secondary py-0.5 text-xs">{u.deactivatedAt ? "Reactivate" : "Deactivate"}</button>
                      </form>
                      {admin.isOwner && u.role === "admin" && !u.deactivatedAt && (
                        <form action={setOwnerAction}>
                          <input type="hidden" name="id" value={u.id} />
                          <input type="hidden" name="owner" value={u.isOwner ? "false" : "true"} />
                          <button type="submit" className="btn-secondary py-0.5 text-xs">{u.isOwner ? "Remove owner" : "Make owner"}</button>
                        </form>
                      )}
                    </div>
                  )}
                </Td>
              </Tr>
            );
          })}
        </TBody>
      </Table>
    </div>
  );
}
