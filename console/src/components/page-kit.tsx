import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Form from '@cloudscape-design/components/form';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import { type DependencyList, type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, describeError } from '../api/client';
import type { paths } from '../api/schema';
import { hasAnyRole, useSession } from '../auth';

/** The JSON a route answers with status `S`, as the generated client types it. */
export type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> =
  NonNullable<paths[P][M]> extends { responses: infer R }
    ? R extends Record<S, { content: { 'application/json': infer J } }>
      ? J
      : never
    : never;

/**
 * Who may do what on the configuration, service, customer and reporting pages: the route roles of
 * each service's definition (`services/<name>/service.ts`), copied because the console does not
 * import the services. The API enforces them anyway; the pages only hide what would be refused.
 */
export const ROLES = {
  /** configuration: ADMINS (CI types, register CIs, campaigns). */
  cmdbAdmins: ['configuration-manager', 'configuration-owner'],
  /** configuration: WRITERS (change CIs they own, relationships, verification results). */
  cmdbWriters: ['configuration-manager', 'configuration-owner', 'process-staff'],
  /** portfolio: ADMINS (register services). */
  portfolioAdmins: ['portfolio-manager', 'portfolio-owner'],
  /** portfolio: WRITERS (change services they own, fulfil criteria). */
  portfolioWriters: ['portfolio-manager', 'portfolio-owner', 'process-staff'],
  /** service-level: ADMINS (calendars, agreements). */
  slmAdmins: ['service-level-manager', 'service-level-owner'],
  /** customers: ADMINS (register customers). */
  customersAdmins: ['customers-manager', 'customers-owner'],
  /** customers: STAFF (contacts, complaints). */
  customersStaff: ['customers-manager', 'customers-owner', 'process-staff'],
  /** reporting: ADMINS (specify and run reports, define and compute KPIs). */
  reportingAdmins: ['reporting-manager', 'reporting-owner', 'sms-owner', 'sms-manager'],
} as const;

/** Whether the signed-in user holds one of these roles. */
export function useCan(roles: readonly string[]): boolean {
  return hasAnyRole(useSession(), roles);
}

/**
 * A list read page by page with the API's cursor (`{ items, nextCursor }`): the first page on load,
 * more on "Load more".
 */
export function usePaged<T>(
  fetchPage: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>,
  deps: DependencyList,
) {
  const [state, setState] = useState<{ items: T[]; next?: string; loading: boolean; error?: string }>({
    items: [],
    loading: true,
  });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the list depends on.
  const fetcher = useCallback(fetchPage, deps);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is how `reload` asks for the first page again.
  useEffect(() => {
    let active = true;
    setState((s) => ({ ...s, loading: true }));
    fetcher().then(
      (page) =>
        active &&
        setState({ items: page.items, ...(page.nextCursor ? { next: page.nextCursor } : {}), loading: false }),
      (err: unknown) => active && setState({ items: [], loading: false, error: describeError(err) }),
    );
    return () => {
      active = false;
    };
  }, [fetcher, round]);
  const loadMore = () => {
    if (!state.next) return;
    setState((s) => ({ ...s, loading: true }));
    fetcher(state.next).then(
      (page) =>
        setState((s) => ({
          items: [...s.items, ...page.items],
          ...(page.nextCursor ? { next: page.nextCursor } : {}),
          loading: false,
        })),
      (err: unknown) => setState((s) => ({ ...s, loading: false, error: describeError(err) })),
    );
  };
  return { ...state, hasMore: Boolean(state.next), loadMore, reload: () => setRound((r) => r + 1) };
}

/** The "Load more" footer of a table read by cursor. */
export function LoadMore({
  list,
  what,
}: {
  list: { hasMore: boolean; loading: boolean; loadMore: () => void };
  what: string;
}) {
  if (!list.hasMore) return null;
  return (
    <Box textAlign="center">
      <Button onClick={list.loadMore} loading={list.loading} ariaLabel={`Load more ${what}`}>
        Load more
      </Button>
    </Box>
  );
}

/** A load that failed, said in words (a 403 says the roles do not allow it). */
export function LoadError({ error }: { error?: string }) {
  if (!error) return null;
  return (
    <Alert type="error" header="Could not load">
      {error}
    </Alert>
  );
}

/** What an action's failure says: a stale version (409) and a refusal (403) in plain words. */
export function actionError(err: unknown, record = 'record'): string {
  if (err instanceof ApiError && err.status === 409 && err.problem.code === 'version-conflict')
    return `Someone changed this ${record} since you opened it: ${err.problem.detail} Read it again and make your change again.`;
  if (err instanceof ApiError && err.status === 403) return `Not allowed: ${describeError(err)}`;
  return describeError(err);
}

/**
 * A modal holding one form: submit runs the action; its failure stays in the form (with the fields
 * the API names), success closes it.
 */
export function FormModal(props: {
  title: string;
  visible: boolean;
  onDismiss: () => void;
  submitText: string;
  onSubmit: () => Promise<void>;
  record?: string;
  /** Called on a 409 (the record changed since it was read): read it again behind the form. */
  onConflict?: () => void;
  children: ReactNode;
  size?: 'small' | 'medium' | 'large';
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (props.visible) setError(undefined);
  }, [props.visible]);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await props.onSubmit();
      props.onDismiss();
    } catch (err) {
      setError(actionError(err, props.record));
      if (err instanceof ApiError && err.status === 409) props.onConflict?.();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      visible={props.visible}
      onDismiss={props.onDismiss}
      header={props.title}
      size={props.size ?? 'medium'}
      closeAriaLabel="Close"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Form
          errorText={error}
          errorIconAriaLabel="Error"
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button formAction="none" variant="link" onClick={props.onDismiss}>
                Cancel
              </Button>
              <Button variant="primary" loading={busy}>
                {props.submitText}
              </Button>
            </SpaceBetween>
          }
        >
          <SpaceBetween size="m">{props.children}</SpaceBetween>
        </Form>
      </form>
    </Modal>
  );
}

const STATUS_TYPES: Record<string, StatusIndicatorProps.Type> = {
  active: 'success',
  live: 'success',
  confirmed: 'success',
  closed: 'stopped',
  succeeded: 'success',
  met: 'success',
  planned: 'pending',
  proposed: 'pending',
  draft: 'pending',
  registered: 'pending',
  open: 'in-progress',
  responded: 'in-progress',
  maintenance: 'warning',
  discrepancy: 'warning',
  inactive: 'stopped',
  retired: 'stopped',
  expired: 'stopped',
  failed: 'error',
  breached: 'error',
};

/** A status word with its indicator (green for active/live, grey for retired, ...). */
export function Status({ value }: { value?: string | null }) {
  if (!value) return <>—</>;
  return <StatusIndicator type={STATUS_TYPES[value] ?? 'info'}>{value}</StatusIndicator>;
}

/** Options of a Cloudscape Select from plain values. */
export const optionsOf = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));
