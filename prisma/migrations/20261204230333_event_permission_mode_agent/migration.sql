-- Claude Code 2.1.332 sends the permission mode on every tool_decision and the subagent id on
-- decisions, results and API requests: typed columns so approvals, rules and filters can use them.
-- Adding nullable columns without a default rewrites nothing.
-- AlterTable
ALTER TABLE "events" ADD COLUMN     "agent_id" TEXT,
ADD COLUMN     "permission_mode" TEXT;

-- Events stored before this migration keep the values in their attributes: copy them over.
UPDATE "events" SET "permission_mode" = "attributes"->>'permission_mode', "agent_id" = "attributes"->>'agent_id'
 WHERE "attributes" ?| ARRAY['permission_mode', 'agent_id'];
