import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../../domain/errors.js';
import { EXEC_SESSION_KIND, EXEC_TOKEN_TTL_MS, execStreamUrl, formatExecToken, type ExecSessionRecord } from '../../domain/exec/exec-session.js';
import { retryOnStale, type Store } from '../../ports/store.js';
import type { RequestContext } from '../service.js';

/**
 * The Session Manager calls the session-manager-plugin makes at the endpoint
 * the aws CLI gives it: ResumeSession (a fresh token after a dropped
 * connection) and TerminateSession. Sessions are ECS Exec's (`ecs.exec-session`).
 */
export function sessionHandlers(store: Store, execHost?: () => string | undefined) {
  return {
    async ResumeSession(input: { SessionId: string }, ctx: RequestContext) {
      return retryOnStale(async () => {
        const record = await store.get<ExecSessionRecord>(EXEC_SESSION_KIND, ctx.scope, input.SessionId);
        const host = execHost?.();
        if (!record || record.doc.status === 'Terminated' || !host) {
          throw new AwsError('DoesNotExistException', `Session with Id ${input.SessionId} does not exist or is already terminated.`); // unverified wording
        }
        const secret = randomBytes(32).toString('hex');
        const { tokenUsedAt: _used, ...rest } = record.doc;
        const doc: ExecSessionRecord = { ...rest, tokenDigest: createHash('sha256').update(secret).digest('hex'), tokenExpiresAt: ctx.now.getTime() + EXEC_TOKEN_TTL_MS };
        await store.write([{ op: 'put', kind: EXEC_SESSION_KIND, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
        return {
          SessionId: input.SessionId,
          StreamUrl: execStreamUrl(host, input.SessionId),
          TokenValue: formatExecToken({ account: ctx.scope.account, region: ctx.scope.region, sessionId: input.SessionId, secret }),
        };
      });
    },

    async TerminateSession(input: { SessionId: string }, ctx: RequestContext) {
      await retryOnStale(async () => {
        const record = await store.get<ExecSessionRecord>(EXEC_SESSION_KIND, ctx.scope, input.SessionId);
        // Terminating an unknown or ended session succeeds, as Session Manager's does.
        if (!record || record.doc.status === 'Terminated') return;
        const doc: ExecSessionRecord = { ...record.doc, status: 'Terminated', terminatedAt: ctx.now.getTime() };
        await store.write([{ op: 'put', kind: EXEC_SESSION_KIND, scope: ctx.scope, id: record.id, doc, expect: record.version }]);
      });
      return { SessionId: input.SessionId };
    },
  };
}
