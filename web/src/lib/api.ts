// The typed API client, made from src/contract/api.ts: one function per route in API_ROUTES,
// each answer parsed with the route's schema. Features wrap these in react-query hooks.
import {
  API_ROUTES,
  AlertListResponse,
  type AlertListQuery,
  AlertResponse,
  BreachResponse,
  CSRF_HEADER,
  DeviceDetail,
  DeviceListResponse,
  FirmwareListResponse,
  HealthResponse,
  KnownSensorsResponse,
  type LoginRequest,
  OkResponse,
  OverviewResponse,
  SessionResponse,
} from '@contract/api';
import {
  type ApplyRequest,
  ApplyResponse,
  ConfirmResponse,
  type GrantRequest,
  GrantResponse,
  PolicyDetailResponse,
  PolicyListResponse,
  type ProposeRequest,
  ProposeResponse,
  RollbackResponse,
  SimulateResponse,
} from '@contract/policy-api';
import { CreateSensorTokenResponse, SensorListResponse } from '@contract/ingest';
import { request, setCsrf } from './http';

type RouteName = keyof typeof API_ROUTES;

/** A route's path with its `:params` filled in (encoded) and an optional query string. */
function path(route: RouteName, params: Record<string, string> = {}, query: Record<string, unknown> = {}): string {
  let p: string = API_ROUTES[route].path;
  for (const [k, v] of Object.entries(params)) p = p.replace(`:${k}`, encodeURIComponent(v));
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${p}?${s}` : p;
}

function remember(s: SessionResponse): SessionResponse {
  setCsrf(s.csrfToken, CSRF_HEADER);
  return s;
}

export const api = {
  health: () => request('GET', path('health'), HealthResponse),
  login: async (body: LoginRequest) => remember(await request('POST', path('login'), SessionResponse, body)),
  session: async () => remember(await request('GET', path('session'), SessionResponse)),
  logout: async () => {
    const r = await request('DELETE', path('logout'), OkResponse);
    setCsrf(null);
    return r;
  },
  overview: (sensor = '') => request('GET', path('overview', {}, { sensor }), OverviewResponse),
  knownSensors: () => request('GET', path('knownSensors'), KnownSensorsResponse),
  sensors: () => request('GET', path('sensors'), SensorListResponse),
  createSensorToken: (name: string, body: { site?: string }) =>
    request('POST', path('createSensorToken', { name }), CreateSensorTokenResponse, body),
  revokeToken: (id: string) => request('DELETE', path('revokeToken', { id }), OkResponse),
  devices: (query: { q?: string; flagged?: 'true' | 'false'; sensor?: string; limit?: number } = {}) =>
    request('GET', path('devices', {}, { limit: 1000, ...query }), DeviceListResponse),
  device: (id: string) => request('GET', path('device', { id }), DeviceDetail),
  alerts: (query: Partial<AlertListQuery> = {}) =>
    request('GET', path('alerts', {}, { limit: 1000, ...query }), AlertListResponse),
  ack: (id: string, comment: string) => request('POST', path('ack', { id }), AlertResponse, { comment }),
  suppress: (id: string, reason: string, expires: string) =>
    request('POST', path('suppress', { id }), AlertResponse, { reason, expires }),
  breach: (sensor = '') => request('GET', path('breach', {}, { sensor }), BreachResponse),
  firmware: () => request('GET', path('firmware'), FirmwareListResponse),
  eventsUrl: () => path('events'),
  policies: () => request('GET', path('policies'), PolicyListResponse),
  policy: (device: string) => request('GET', path('policy', { device }), PolicyDetailResponse),
  propose: (device: string, body: ProposeRequest) =>
    request('POST', path('propose', { device }), ProposeResponse, body),
  simulate: (device: string, version?: number) =>
    request('POST', path('simulate', { device }), SimulateResponse, version !== undefined ? { version } : {}),
  apply: (device: string, body: ApplyRequest) => request('POST', path('apply', { device }), ApplyResponse, body),
  grant: (device: string, body: GrantRequest) => request('POST', path('grant', { device }), GrantResponse, body),
  confirm: (reason: string) => request('POST', path('confirm'), ConfirmResponse, { reason }),
  rollback: (reason: string) => request('POST', path('rollback'), RollbackResponse, { reason }),
};
