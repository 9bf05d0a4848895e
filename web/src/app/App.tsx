import { Navigate, NavLink, Route, Routes } from 'react-router';
import { AlertsPage } from '../features/alerts/AlertsPage';
import { LoginPage } from '../features/auth/LoginPage';
import { SessionProvider, useLogout, useSession, useSessionQuery } from '../features/auth/session';
import { BreachPage } from '../features/breach/BreachPage';
import { DeviceDetailPage } from '../features/devices/DeviceDetailPage';
import { DevicesPage } from '../features/devices/DevicesPage';
import { FirmwarePage } from '../features/firmware/FirmwarePage';
import { OverviewPage } from '../features/overview/OverviewPage';
import { PolicyDevicePage } from '../features/policy/PolicyDevicePage';
import { PolicyPage } from '../features/policy/PolicyPage';
import { SensorsPage } from '../features/sensors/SensorsPage';
import { ErrorBox, Loading } from '../components/Status';
import { ApiError } from '../lib/http';
import { LiveProvider, useLive } from '../lib/live';

export function App() {
  const session = useSessionQuery();
  if (session.isPending) return <Loading what="your session" />;
  if (session.error) {
    if (session.error instanceof ApiError && session.error.status === 401) return <LoginPage />;
    return <ErrorBox error={session.error} what="your session" retry={() => session.refetch()} />;
  }
  return (
    <SessionProvider session={session.data}>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </SessionProvider>
  );
}

function Shell() {
  return (
    <div className="shell">
      <Header />
      <main className="page">
        <Routes>
          <Route path="/" element={<OverviewPage />} />
          <Route path="/devices" element={<DevicesPage />} />
          <Route path="/devices/:id" element={<DeviceDetailPage />} />
          <Route path="/alerts" element={<AlertsPage />} />
          <Route path="/breach" element={<BreachPage />} />
          <Route path="/firmware" element={<FirmwarePage />} />
          <Route path="/policy" element={<PolicyPage />} />
          <Route path="/policy/:id" element={<PolicyDevicePage />} />
          <Route path="/sensors" element={<SensorsPage />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </main>
    </div>
  );
}

function Header() {
  const { user } = useSession();
  const logout = useLogout();
  const live = useLive();
  return (
    <header className="top no-print">
      <span className="brand">wardwatch</span>
      <nav aria-label="Main">
        <NavLink to="/" end>
          Overview
        </NavLink>
        <NavLink to="/devices">Devices</NavLink>
        <NavLink to="/alerts">Alerts</NavLink>
        <NavLink to="/breach">Breach report</NavLink>
        <NavLink to="/firmware">Firmware</NavLink>
        <NavLink to="/policy">Policy</NavLink>
        {user.role === 'admin' ? <NavLink to="/sensors">Sensors</NavLink> : null}
      </nav>
      <span className={`live ${live.connected ? 'on' : 'off'}`} title="live feed (GET /api/events)">
        {live.connected ? '● live' : '○ offline'}
      </span>
      <span className="user">
        {user.username} <span className="muted">({user.role})</span>
      </span>
      <button type="button" className="link" onClick={() => logout.mutate()}>
        Log out
      </button>
    </header>
  );
}
