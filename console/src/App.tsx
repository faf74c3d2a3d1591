import AppLayout from '@cloudscape-design/components/app-layout';
import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';
import SideNavigation, { type SideNavigationProps } from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { createContext, lazy, type ReactNode, Suspense, useCallback, useContext, useState } from 'react';
import { Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { isAgent, isCustomer, RequireSession, type Session, signOut, useSession } from './auth';
import { useFollow } from './components/links';
import { Callback } from './pages/Callback';

const Home = lazy(() => import('./pages/Home'));
const Tickets = lazy(() => import('./pages/Tickets'));
const TicketPage = lazy(() => import('./pages/TicketPage'));
const NewTicket = lazy(() => import('./pages/NewTicket'));
const Portal = lazy(() => import('./pages/Portal'));
const Survey = lazy(() => import('./pages/Survey'));
const Cmdb = lazy(() => import('./pages/Cmdb'));
const CiPage = lazy(() => import('./pages/CiPage'));
const CiTypes = lazy(() => import('./pages/CiTypes'));
const Catalogue = lazy(() => import('./pages/Catalogue'));
const Agreements = lazy(() => import('./pages/Agreements'));
const Customers = lazy(() => import('./pages/Customers'));
const Complaints = lazy(() => import('./pages/Complaints'));
const Reports = lazy(() => import('./pages/Reports'));
const Changes = lazy(() => import('./pages/Changes'));
const ChangeForm = lazy(() => import('./pages/ChangeForm'));
const ChangePage = lazy(() => import('./pages/ChangePage'));
const ChangeDecision = lazy(() => import('./pages/ChangeDecision'));
const Approvals = lazy(() => import('./pages/Approvals'));
const ChangeCalendar = lazy(() => import('./pages/ChangeCalendar'));
const CabMeetingList = lazy(() => import('./pages/CabMeetings').then((m) => ({ default: m.CabMeetingList })));
const CabMeetingPage = lazy(() => import('./pages/CabMeetings').then((m) => ({ default: m.CabMeetingPage })));
const Releases = lazy(() => import('./pages/Releases'));
const ReleaseForm = lazy(() => import('./pages/ReleaseForm'));
const ReleasePage = lazy(() => import('./pages/ReleasePage'));
const NotFound = lazy(() => import('./pages/NotFound'));

/** Messages shown above the page (saved, failed, ...), shared by every page. */
type Notify = (item: Omit<FlashbarProps.MessageDefinition, 'id' | 'dismissible'>) => void;
const NotifyContext = createContext<Notify>(() => {});
export const useNotify = () => useContext(NotifyContext);

function navigationFor(session: Session): SideNavigationProps.Item[] {
  if (isCustomer(session))
    return [
      { type: 'link', text: 'Home', href: '/' },
      { type: 'link', text: 'Our tickets', href: '/tickets' },
      { type: 'link', text: 'Report an incident', href: '/tickets/new' },
      { type: 'link', text: 'Request a service', href: '/catalogue' },
    ];
  return [
    { type: 'link', text: 'Home', href: '/' },
    {
      type: 'section',
      text: 'Service desk',
      items: [
        { type: 'link', text: 'Tickets', href: '/tickets' },
        { type: 'link', text: 'New ticket', href: '/tickets/new' },
      ],
    },
    {
      type: 'section',
      text: 'Change management',
      items: [
        { type: 'link', text: 'Changes', href: '/changes' },
        { type: 'link', text: 'Waiting for my approval', href: '/approvals' },
        { type: 'link', text: 'Change calendar', href: '/change-calendar' },
        { type: 'link', text: 'CAB meetings', href: '/cab-meetings' },
      ],
    },
    {
      type: 'section',
      text: 'Release management',
      items: [
        { type: 'link', text: 'Releases', href: '/releases' },
        { type: 'link', text: 'New release', href: '/releases/new' },
      ],
    },
    {
      type: 'section',
      text: 'Configuration',
      items: [
        { type: 'link', text: 'Configuration items', href: '/cis' },
        { type: 'link', text: 'CI types', href: '/ci-types' },
      ],
    },
    {
      type: 'section',
      text: 'Services',
      items: [
        { type: 'link', text: 'Catalogue and portfolio', href: '/catalogue' },
        { type: 'link', text: 'Agreements and calendars', href: '/agreements' },
      ],
    },
    {
      type: 'section',
      text: 'Customers',
      items: [
        { type: 'link', text: 'Customers', href: '/customers' },
        { type: 'link', text: 'Complaints and surveys', href: '/complaints' },
      ],
    },
    { type: 'link', text: 'Reports and KPIs', href: '/reports' },
  ];
}

function Shell({ children }: { children: ReactNode }) {
  const session = useSession();
  const follow = useFollow();
  const location = useLocation();
  const navigate = useNavigate();
  const [messages, setMessages] = useState<FlashbarProps.MessageDefinition[]>([]);
  const notify = useCallback<Notify>((item) => {
    const id = `${Date.now()}-${Math.random()}`;
    setMessages((m) => [
      ...m.slice(-2),
      {
        ...item,
        id,
        dismissible: true,
        dismissLabel: 'Dismiss message',
        onDismiss: () => setMessages((x) => x.filter((y) => y.id !== id)),
      },
    ]);
  }, []);
  const active = `/${location.pathname.split('/')[1] ?? ''}`;
  return (
    <NotifyContext.Provider value={notify}>
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{
            href: '/',
            title: isCustomer(session) ? 'Service portal' : 'ITSM console',
            onFollow: (e) => {
              e.preventDefault();
              navigate('/');
            },
          }}
          utilities={[
            {
              type: 'menu-dropdown',
              text: session.name,
              description: isCustomer(session)
                ? `Customer user (${session.customer})`
                : session.roles.join(', ') || 'no role',
              iconName: 'user-profile',
              items: [
                { id: 'token', text: 'Copy API token' },
                { id: 'signout', text: 'Sign out' },
              ],
              onItemClick: (e) => {
                if (e.detail.id === 'signout') void signOut();
                if (e.detail.id === 'token')
                  void navigator.clipboard
                    .writeText(session.accessToken)
                    .then(() => notify({ type: 'success', content: 'Your API token (valid one hour) is copied.' }))
                    .catch(() => notify({ type: 'error', content: 'The browser refused the clipboard.' }));
              },
            },
          ]}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        toolsHide
        ariaLabels={{
          navigation: 'Navigation',
          navigationClose: 'Close navigation',
          navigationToggle: 'Open navigation',
          notifications: 'Notifications',
        }}
        navigation={
          <SideNavigation
            activeHref={['/tickets/new', '/releases/new'].includes(location.pathname) ? location.pathname : active}
            header={{ text: isCustomer(session) ? 'Service portal' : 'ITSM', href: '/' }}
            items={navigationFor(session)}
            onFollow={follow}
          />
        }
        notifications={<Flashbar items={messages} />}
        content={<Suspense fallback={<Spinner size="large" />}>{children}</Suspense>}
      />
    </NotifyContext.Provider>
  );
}

function SignedIn() {
  const session = useSession();
  const customer = isCustomer(session);
  return (
    <Shell>
      <Routes>
        <Route path="/" element={customer ? <Portal /> : <Home />} />
        <Route path="/tickets" element={<Tickets />} />
        <Route path="/tickets/new" element={<NewTicket />} />
        <Route path="/tickets/:id" element={<TicketPage />} />
        <Route path="/catalogue" element={customer ? <Portal /> : <Catalogue />} />
        {isAgent(session) || session.roles.includes('auditor') ? (
          <>
            <Route path="/cis" element={<Cmdb />} />
            <Route path="/cis/:id" element={<CiPage />} />
            <Route path="/ci-types" element={<CiTypes />} />
            <Route path="/agreements" element={<Agreements />} />
            <Route path="/customers" element={<Customers />} />
            <Route path="/complaints" element={<Complaints />} />
            <Route path="/reports" element={<Reports />} />
            <Route path="/changes" element={<Changes />} />
            <Route path="/changes/new" element={<ChangeForm />} />
            <Route path="/changes/:id" element={<ChangePage />} />
            <Route path="/changes/:id/edit" element={<ChangeForm />} />
            <Route path="/changes/:id/decision" element={<ChangeDecision />} />
            <Route path="/approvals" element={<Approvals />} />
            <Route path="/change-calendar" element={<ChangeCalendar />} />
            <Route path="/cab-meetings" element={<CabMeetingList />} />
            <Route path="/cab-meetings/:id" element={<CabMeetingPage />} />
            <Route path="/releases" element={<Releases />} />
            <Route path="/releases/new" element={<ReleaseForm />} />
            <Route path="/releases/:id" element={<ReleasePage />} />
          </>
        ) : null}
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Shell>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/callback" element={<Callback />} />
      <Route
        path="/survey/:token"
        element={
          <Suspense fallback={<Spinner size="large" />}>
            <Survey />
          </Suspense>
        }
      />
      <Route
        path="*"
        element={
          <RequireSession>
            <SignedIn />
          </RequireSession>
        }
      />
    </Routes>
  );
}
