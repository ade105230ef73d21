import { pgEnum } from 'drizzle-orm/pg-core';

export const orgRole = pgEnum('org_role', ['owner', 'admin', 'member', 'viewer']);
export const projectRole = pgEnum('project_role', ['admin', 'member', 'viewer']);
export const projectVisibility = pgEnum('project_visibility', ['private', 'public']);
export const accessRequestStatus = pgEnum('access_request_status', ['pending', 'approved', 'rejected']);
/** What other members of the organization see of a workstation: nothing, online/paused only, or everything. */
export const workstationVisibility = pgEnum('workstation_visibility', ['hidden', 'status', 'full']);
export const missionList = pgEnum('mission_list', ['todo', 'doing', 'review', 'done']);
export const prMode = pgEnum('pr_mode', ['disabled', 'enabled', 'auto']);
export const missionOrigin = pgEnum('mission_origin', ['manual', 'fallback', 'imported', 'agent']);
export const agentSessionStatus = pgEnum('agent_session_status', ['inactive', 'pushing', 'active']);
export const reviewStatus = pgEnum('review_status', ['pending', 'approved', 'rejected']);
export const eventOrigin = pgEnum('event_origin', ['system', 'user', 'agent', 'fallback']);
export const attemptStatus = pgEnum('attempt_status', [
  'assigned', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost', 'limited',
]);
export const worktreeStatus = pgEnum('worktree_status', ['free', 'in_use', 'dirty', 'evicting']);
export const pullRequestState = pgEnum('pull_request_state', ['open', 'closed', 'merged']);
export const fallbackStatus = pgEnum('fallback_status', ['active', 'paused', 'snoozed']);
export const fallbackTrigger = pgEnum('fallback_trigger', ['automatic', 'manual', 'api']);
export const fallbackRunStatus = pgEnum('fallback_run_status', [
  'pending', 'awaiting_review', 'completed', 'cancelled', 'errored',
]);
export const fallbackItemStatus = pgEnum('fallback_item_status', ['proposed', 'accepted', 'discarded']);
export const notificationChannel = pgEnum('notification_channel', ['in_app', 'email', 'webhook']);
export const auditActorType = pgEnum('audit_actor_type', ['user', 'workstation', 'system']);
