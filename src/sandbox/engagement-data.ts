import { activeOn } from './cost-data.js';
import { randomFor } from './prng.js';
import { dayOf, daysBetween } from '../core/period.js';
import { PEOPLE } from './synthetic-org.js';

/**
 * Deterministic engagement for GET /v1/organizations/analytics/users in rollup mode: per user and
 * UTC day, Claude Code sessions, commits, pull requests and lines on days the user spent on
 * claude_code, and chat conversations on days they spent on chat, so activity and cost agree.
 * Counters are summed over the range, as the API's rollup does.
 */
export interface EngagementCounts {
  sessions: number;
  commits: number;
  pullRequests: number;
  linesAdded: number;
  linesRemoved: number;
  conversations: number;
  messages: number;
}

function dayCounts(userId: string, dayMs: number): EngagementCounts {
  const c: EngagementCounts = { sessions: 0, commits: 0, pullRequests: 0, linesAdded: 0, linesRemoved: 0, conversations: 0, messages: 0 };
  if (activeOn(userId, 'claude_code', dayMs)) {
    const r = randomFor('engagement-code', userId, String(dayMs));
    c.sessions = 1 + Math.floor(r() * 4);
    c.commits = Math.floor(r() * c.sessions * 2.5);
    c.pullRequests = (r() < 0.3 ? 1 : 0) + (r() < 0.05 ? 1 : 0);
    c.linesAdded = c.commits * (20 + Math.floor(r() * 180)) + Math.floor(r() * 60);
    c.linesRemoved = Math.floor(c.linesAdded * (0.2 + r() * 0.5));
  }
  if (activeOn(userId, 'chat', dayMs)) {
    const r = randomFor('engagement-chat', userId, String(dayMs));
    c.conversations = 1 + Math.floor(r() * 5);
    c.messages = c.conversations * (2 + Math.floor(r() * 8));
  }
  return c;
}

const zeroTool = { accepted_count: 0, rejected_count: 0 };
const zeroOffice = { connectors_used_count: 0, distinct_connectors_used_count: 0, distinct_session_count: 0, distinct_skills_used_count: 0, message_count: 0, skills_used_count: 0 };

/** One user's rollup row as the endpoint answers it: the counts the statements use, every other counter zero. */
export function userActivityRow(userId: string, email: string, t: EngagementCounts, lastMs: number): Record<string, unknown> {
  return {
    user: { id: userId, email_address: email, type: 'user' },
    chat_metrics: {
      message_count: t.messages, thinking_message_count: 0, connectors_used_count: 0, shared_conversations_viewed_count: 0,
      distinct_artifacts_created_count: 0, distinct_projects_created_count: 0, distinct_conversation_count: t.conversations,
      distinct_files_uploaded_count: 0, distinct_projects_used_count: 0, distinct_shared_artifacts_viewed_count: 0,
      distinct_skills_used_count: 0, distinct_connectors_used_count: 0,
    },
    claude_code_metrics: {
      core_metrics: {
        commit_count: t.commits, pull_request_count: t.pullRequests, artifacts_created_count: 0, distinct_session_count: t.sessions,
        lines_of_code: { added_count: t.linesAdded, removed_count: t.linesRemoved },
      },
      tool_actions: { edit_tool: zeroTool, multi_edit_tool: zeroTool, notebook_edit_tool: zeroTool, write_tool: zeroTool },
    },
    cowork_metrics: { action_count: 0, artifacts_created_count: 0, connectors_used_count: 0, dispatch_turn_count: 0, message_count: 0, skills_used_count: 0, distinct_session_count: 0 },
    design_metrics: { distinct_projects_created_count: 0, distinct_projects_used_count: 0, distinct_session_count: 0, message_count: 0 },
    office_metrics: { excel: zeroOffice, outlook: zeroOffice, powerpoint: zeroOffice, word: zeroOffice },
    science_metrics: { delegation_count: 0, distinct_session_count: 0, message_count: 0, remote_compute_job_count: 0, skills_used_count: 0 },
    web_search_count: 0,
    distinct_user_count: null,
    last_activity_date: dayOf(lastMs),
  };
}

/** Rollup rows over [startDay, endDay) (days as UTC ms), users with any activity, sorted by email. */
export function engagementRows(startMs: number, endMs: number): Array<Record<string, unknown>> {
  const rows: Array<{ email: string; row: Record<string, unknown> }> = [];
  const days = daysBetween(startMs, endMs);
  for (const person of PEOPLE) {
    // Deleted users have no e-mail address; the endpoint does not report them.
    if (person.email === null) continue;
    const t: EngagementCounts = { sessions: 0, commits: 0, pullRequests: 0, linesAdded: 0, linesRemoved: 0, conversations: 0, messages: 0 };
    let last: number | null = null;
    for (const day of days) {
      const d = dayCounts(person.userId, day);
      if (d.sessions + d.conversations > 0) last = day;
      for (const k of Object.keys(t) as Array<keyof EngagementCounts>) t[k] += d[k];
    }
    if (last === null) continue;
    rows.push({ email: person.email, row: userActivityRow(person.userId, person.email, t, last) });
  }
  return rows.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0)).map((r) => r.row);
}
