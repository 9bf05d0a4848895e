// /api/policies: the console's containment page (issue 14). List and read (viewer); propose from
// recorded traffic or save an edited policy, and simulate it with the compiled diff (analyst);
// apply with a confirm timer, confirm, grant, roll back (admin). Roles and CSRF are the guard's
// (each route's config.auth); every change goes to the audit log.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorResponse } from '../../contract/api.js';
import {
  ApplyRequest,
  ApplyResponse,
  ConfirmResponse,
  GrantRequest,
  GrantResponse,
  PolicyDetailResponse,
  PolicyDeviceParams,
  PolicyListResponse,
  ProposeRequest,
  ProposeResponse,
  ReasonRequest,
  RollbackResponse,
  SimulateRequest,
  SimulateResponse,
} from '../../contract/policy-api.js';
import { DevicePolicy } from '../../contract/policy.js';
import { WardwatchError } from '../../errors.js';
import { applyState } from '../../store/policies.js';
import { who } from '../auth/guard.js';
import type { Ctx } from '../context.js';
import { PolicyConsole, PolicyError } from './policy-engine.js';

const refusals = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
};

function fail(reply: FastifyReply, err: unknown) {
  if (err instanceof PolicyError)
    return reply.code(err.statusCode).send({
      statusCode: err.statusCode,
      error: err.statusCode === 400 ? 'Bad Request' : err.statusCode === 404 ? 'Not Found' : 'Conflict',
      code: err.statusCode === 400 ? 'WW_BAD_REQUEST' : 'WW_POLICY',
      ...(err.field !== undefined ? { field: err.field } : {}),
      message: err.message,
    });
  // nft refused the ruleset (or a tool is missing): the policy was not applied; say why.
  if (err instanceof WardwatchError)
    return reply.code(409).send({ statusCode: 409, error: 'Conflict', code: err.code, message: err.message });
  throw err;
}

export function policyRoutes(ctx: Ctx): FastifyPluginAsyncZod {
  return async (app) => {
    const pc = new PolicyConsole(ctx.store, ctx.opts.policy);
    await pc.resume();
    app.addHook('onClose', async () => pc.close());
    const current = async () => {
      const c = await ctx.store.policies.current();
      return c !== undefined ? { applied: applyState(c) } : {};
    };

    app.get(
      '/api/policies',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['policy'],
          summary: "Every device's policy: latest version, the applied one, where applies go",
          response: { 200: PolicyListResponse, 401: ErrorResponse },
        },
      },
      async () => ({ policies: await ctx.store.policies.list(), enforcement: pc.enforcement, ...(await current()) }),
    );

    app.get(
      '/api/policies/:device',
      {
        config: { auth: 'viewer' },
        schema: {
          tags: ['policy'],
          summary: "A device's policy versions (newest first), open grants and audit trail",
          params: PolicyDeviceParams,
          response: { 200: PolicyDetailResponse, ...refusals },
        },
      },
      async (req) => {
        const { device } = req.params;
        const [versions, grants, audit] = await Promise.all([
          ctx.store.policies.versions(device),
          ctx.store.policies.grants(device),
          ctx.store.policies.audit(device),
        ]);
        return { device, versions, grants, audit, enforcement: pc.enforcement, ...(await current()) };
      },
    );

    app.post(
      '/api/policies/:device/propose',
      {
        config: { auth: 'analyst' },
        schema: {
          tags: ['policy'],
          summary: 'Propose a policy: learnt from recorded traffic, or the reviewed one in the body',
          params: PolicyDeviceParams,
          body: ProposeRequest,
          response: { 200: ProposeResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const { device } = req.params;
        const by = who(req);
        try {
          let policy: DevicePolicy;
          let entries: ProposeResponse['entries'] = [];
          let source: 'learn' | 'edit';
          if (req.body.policy !== undefined) {
            const p = DevicePolicy.safeParse(req.body.policy);
            if (!p.success) {
              const issue = p.error.issues[0];
              const field = ['body', 'policy', ...(issue?.path ?? []).map(String)].join('.');
              throw new PolicyError(400, `${field}: ${issue?.message ?? 'invalid'}`, field);
            }
            policy = p.data;
            source = 'edit';
          } else {
            ({ policy, entries } = await pc.learn(device, req.body.mode ?? 'alert'));
            source = 'learn';
          }
          const version = await ctx.store.policies.propose(device, policy, {
            by,
            source,
            ...(req.body.note !== undefined ? { note: req.body.note } : {}),
          });
          await ctx.store.auth.audit(by, 'policy.propose', device, {
            version: version.version,
            source,
            mode: policy.mode,
            allow: policy.allow.length,
            deny: policy.deny.length,
          });
          return { version, entries };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/policies/:device/simulate',
      {
        config: { auth: 'analyst' },
        schema: {
          tags: ['policy'],
          summary: 'Dry run: a version against recorded traffic, and its compiled diff against the applied policy',
          params: PolicyDeviceParams,
          body: SimulateRequest,
          response: { 200: SimulateResponse, ...refusals },
        },
      },
      async (req, reply) => {
        try {
          return await pc.simulate(req.params.device, req.body.version);
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/policies/:device/apply',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['policy'],
          summary: 'Apply a version (lab namespace or dry run); rolls back unless confirmed in time',
          params: PolicyDeviceParams,
          body: ApplyRequest,
          response: { 200: ApplyResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const by = who(req);
        try {
          const r = await pc.apply(req.params.device, req.body, by);
          await ctx.store.auth.audit(by, 'policy.apply', req.params.device, {
            id: r.applied.id,
            version: r.applied.version,
            reason: r.applied.reason,
            target: r.applied.target,
            confirmBy: r.applied.confirmBy,
            conntrackDeleted: r.conntrackDeleted,
            diff: r.diff.slice(0, 500),
          });
          return {
            applied: applyState(r.applied),
            enforcement: pc.enforcement,
            diff: r.diff,
            conntrackDeleted: r.conntrackDeleted,
          };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/policies/confirm',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['policy'],
          summary: 'Keep the last apply (stops its rollback timer)',
          body: ReasonRequest,
          response: { 200: ConfirmResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const by = who(req);
        try {
          const a = await pc.confirm();
          await ctx.store.auth.audit(by, 'policy.confirm', a.device, { id: a.id, reason: req.body.reason });
          return { applied: applyState(a) };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/policies/rollback',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['policy'],
          summary: 'Undo the last apply: back to the apply before it, or to the ruleset from before wardwatch',
          body: ReasonRequest,
          response: { 200: RollbackResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const by = who(req);
        try {
          const r = await pc.rollback(by);
          await ctx.store.auth.audit(by, 'policy.rollback', r.rolledBack.device, {
            id: r.rolledBack.id,
            reason: req.body.reason,
            restored: r.restored?.id,
            diff: r.diff.slice(0, 500),
          });
          return {
            rolledBack: applyState(r.rolledBack),
            ...(r.restored !== undefined ? { restored: applyState(r.restored) } : {}),
            diff: r.diff,
          };
        } catch (err) {
          return fail(reply, err);
        }
      },
    );

    app.post(
      '/api/policies/:device/grant',
      {
        config: { auth: 'admin' },
        schema: {
          tags: ['policy'],
          summary: 'A temporary exception (address, CIDR or DNS name) that closes by itself',
          params: PolicyDeviceParams,
          body: GrantRequest,
          response: { 200: GrantResponse, ...refusals },
        },
      },
      async (req, reply) => {
        const by = who(req);
        try {
          const r = await pc.grant(req.params.device, { ...req.body, proto: req.body.proto ?? 'any' }, by);
          await ctx.store.auth.audit(by, 'policy.grant', req.params.device, {
            id: r.grant.id,
            to: r.grant.to,
            until: r.grant.until,
            reason: r.grant.reason,
            live: r.live,
          });
          return r;
        } catch (err) {
          return fail(reply, err);
        }
      },
    );
  };
}
