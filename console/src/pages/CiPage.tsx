import Alert from '@cloudscape-design/components/alert';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table from '@cloudscape-design/components/table';
import Tabs from '@cloudscape-design/components/tabs';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { AttributeFields, type AttributeValue, type CiType } from '../components/ci-attributes';
import { when } from '../components/format';
import { HistoryTable } from '../components/history-table';
import { ImpactGraph, neighbourhood } from '../components/impact-graph';
import { RouterLink, useFollow } from '../components/links';
import {
  type Answer,
  actionError,
  FormModal,
  LoadError,
  optionsOf,
  ROLES,
  Status,
  useCan,
  usePaged,
} from '../components/page-kit';
import { useLoad } from '../components/use-load';

type Ci = Answer<'/v1/cis/{id}', 'get'>;
type Relationship = Answer<'/v1/cis/{id}/relationships', 'get'>['items'][number] & { other?: Ci };
const CI_STATUSES = ['planned', 'active', 'maintenance', 'retired'] as const;
type CiStatus = (typeof CI_STATUSES)[number];
/** How far the graph reaches each way: enough to see a service's stack, small enough to read. */
const GRAPH_DEPTH = '3';

/**
 * A CI's page (FitSM PR11): its attributes as its type declares them, its relationships, the
 * impact graph, its history and its verification state, with the CMDB's actions on it.
 */
export default function CiPage() {
  const { id = '' } = useParams();
  const follow = useFollow();
  const notify = useNotify();
  const canWrite = useCan(ROLES.cmdbWriters);
  const [dialog, setDialog] = useState<'edit' | 'relate' | 'verify' | undefined>();
  const [removeError, setRemoveError] = useState<string | undefined>();
  const ci = useLoad(async () => {
    const { data } = await must(api().GET('/v1/cis/{id}', { params: { path: { id } } }));
    const type = await must(api().GET('/v1/ci-types/{typeId}', { params: { path: { typeId: data.typeId } } }));
    return { ci: data, type: type.data };
  }, [id]);
  const ciId = ci.data?.ci.ciId;
  const relationships = useLoad(async () => {
    if (!ciId) return [];
    const { data } = await must(api().GET('/v1/cis/{id}/relationships', { params: { path: { id: ciId } } }));
    // The list names the CI at the other end by id: read each for its number and name.
    return Promise.all(
      data.items.map(async (r): Promise<Relationship> => {
        const other = await api().GET('/v1/cis/{id}', { params: { path: { id: r.ciId } } });
        return other.data ? { ...r, other: other.data } : r;
      }),
    );
  }, [ciId]);
  const graph = useLoad(async () => {
    if (!ciId) return undefined;
    const impact = (direction: 'downstream' | 'upstream') =>
      must(
        api().GET('/v1/cis/{id}/impact', { params: { path: { id: ciId }, query: { direction, depth: GRAPH_DEPTH } } }),
      );
    const [down, up] = await Promise.all([impact('downstream'), impact('upstream')]);
    return { root: down.data.root, nodes: neighbourhood(down.data, up.data), down: down.data };
  }, [ciId]);
  const history = usePaged(
    async (cursor) => {
      if (!ciId) return { items: [] };
      return (
        await must(
          api().GET('/v1/cis/{id}/history', {
            params: { path: { id: ciId }, query: { limit: '20', ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data;
    },
    [ciId],
  );
  const reloadAll = () => {
    ci.reload();
    relationships.reload();
    graph.reload();
    history.reload();
  };

  if (ci.error) return <LoadError error={ci.error} />;
  if (!ci.data) return <Spinner size="large" />;
  const { ci: c, type } = ci.data;

  const remove = async (r: Relationship) => {
    setRemoveError(undefined);
    // The route is the source's: an incoming relationship is removed from the other CI's side.
    const [source, target] = r.direction === 'outgoing' ? [c.ciId, r.ciId] : [r.ciId, c.ciId];
    try {
      await must(
        api().DELETE('/v1/cis/{id}/relationships/{type}/{targetId}', {
          params: { path: { id: source, type: r.type, targetId: target } },
        }),
      );
      notify({ type: 'success', content: `Relationship ${r.type} removed.` });
      relationships.reload();
      graph.reload();
      history.reload();
    } catch (err) {
      setRemoveError(actionError(err, 'relationship'));
    }
  };

  return (
    <ContentLayout
      header={
        <SpaceBetween size="xs">
          <BreadcrumbGroup
            items={[
              { text: 'Configuration items', href: '/cis' },
              { text: c.number, href: `/cis/${c.number}` },
            ]}
            onFollow={follow}
            ariaLabel="Breadcrumbs"
          />
          <Header
            variant="h1"
            description={`${type.name} · version ${c.version}`}
            actions={
              canWrite ? (
                <SpaceBetween direction="horizontal" size="xs">
                  <Button onClick={() => setDialog('verify')}>Record verification</Button>
                  <Button onClick={() => setDialog('relate')}>Add relationship</Button>
                  <Button variant="primary" onClick={() => setDialog('edit')}>
                    Edit
                  </Button>
                </SpaceBetween>
              ) : undefined
            }
          >
            {c.number} {c.name}
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Details</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Status', value: <Status value={c.status} /> },
              { label: 'Type', value: `${type.name} (${type.typeId})` },
              { label: 'Owner', value: c.owner ?? '—' },
              {
                label: 'Verification',
                value: c.lastVerifiedAt ? <Status value={c.lastVerificationResult} /> : 'Never verified',
              },
              { label: 'Last verified', value: when(c.lastVerifiedAt) },
              { label: 'Services', value: c.serviceIds.join(', ') || '—' },
              { label: 'Customers', value: c.customerIds.join(', ') || '—' },
              { label: 'Source', value: c.source ? `${c.source} / ${c.sourceId ?? ''}` : 'Registered by hand' },
              { label: 'Updated', value: when(c.updatedAt) },
            ]}
          />
        </Container>
        <Container header={<Header variant="h2">Attributes</Header>}>
          <KeyValuePairs
            columns={3}
            items={
              type.attributes.length
                ? type.attributes.map((a) => ({
                    label: `${a.name}${a.required ? '' : ' (optional)'}`,
                    value: display(c.attributes[a.name]),
                  }))
                : [{ label: 'Attributes', value: 'This type declares none.' }]
            }
          />
        </Container>
        <Tabs
          ariaLabel="About this CI"
          tabs={[
            {
              id: 'graph',
              label: 'Impact graph',
              content: (
                <Container
                  header={
                    <Header
                      variant="h2"
                      description={`Dependencies up to ${GRAPH_DEPTH} hops each way.${graph.data?.down.truncated ? ' Cut short at the node limit.' : ''}`}
                    >
                      Impact graph
                    </Header>
                  }
                >
                  <LoadError error={graph.error} />
                  {graph.data ? <ImpactGraph root={graph.data.root} nodes={graph.data.nodes} /> : <Spinner />}
                  {graph.data?.down.services.length ? (
                    <p>
                      Services affected if {c.number} fails:{' '}
                      {graph.data.down.services.map((s) => `${s.name ?? s.serviceId} (${s.status})`).join(', ')}
                    </p>
                  ) : null}
                </Container>
              ),
            },
            {
              id: 'relationships',
              label: 'Relationships',
              content: (
                <SpaceBetween size="s">
                  {removeError ? (
                    <Alert type="error" dismissible onDismiss={() => setRemoveError(undefined)}>
                      {removeError}
                    </Alert>
                  ) : null}
                  <LoadError error={relationships.error} />
                  <Table<Relationship>
                    header={<Header counter={`(${relationships.data?.length ?? 0})`}>Relationships</Header>}
                    ariaLabels={{ tableLabel: `Relationships of ${c.number}` }}
                    loading={relationships.loading && !relationships.data}
                    loadingText="Loading relationships"
                    items={relationships.data ?? []}
                    trackBy={(r) => `${r.direction}:${r.type}:${r.ciId}`}
                    empty="No relationships"
                    columnDefinitions={[
                      {
                        id: 'relation',
                        header: 'Relation',
                        cell: (r) => (r.direction === 'outgoing' ? `${c.number} ${r.type}` : `${r.type} ${c.number}`),
                      },
                      {
                        id: 'other',
                        header: 'CI',
                        isRowHeader: true,
                        cell: (r) => (
                          <RouterLink href={`/cis/${r.other?.number ?? r.ciId}`}>
                            {r.other ? `${r.other.number} ${r.other.name}` : r.ciId}
                          </RouterLink>
                        ),
                      },
                      { id: 'direction', header: 'Direction', cell: (r) => r.direction },
                      { id: 'since', header: 'Since', cell: (r) => when(r.createdAt) },
                      ...(canWrite
                        ? [
                            {
                              id: 'remove',
                              header: 'Actions',
                              cell: (r: Relationship) => (
                                <Button
                                  variant="inline-link"
                                  ariaLabel={`Remove ${r.type} relationship with ${r.other?.number ?? r.ciId}`}
                                  onClick={() => void remove(r)}
                                >
                                  Remove
                                </Button>
                              ),
                            },
                          ]
                        : []),
                    ]}
                  />
                </SpaceBetween>
              ),
            },
            {
              id: 'history',
              label: 'History',
              content: <HistoryTable list={history} label={`History of ${c.number}`} />,
            },
          ]}
        />
      </SpaceBetween>
      {canWrite ? (
        <>
          <EditCi
            ci={c}
            type={type}
            visible={dialog === 'edit'}
            onDismiss={() => setDialog(undefined)}
            onDone={reloadAll}
          />
          <AddRelationship
            ci={c}
            visible={dialog === 'relate'}
            onDismiss={() => setDialog(undefined)}
            onDone={() => {
              relationships.reload();
              graph.reload();
              history.reload();
            }}
          />
          <RecordVerification
            ci={c}
            visible={dialog === 'verify'}
            onDismiss={() => setDialog(undefined)}
            onDone={reloadAll}
          />
        </>
      ) : null}
    </ContentLayout>
  );
}

const display = (v: AttributeValue | undefined) =>
  v === undefined || v === null ? '—' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);

/** Change a CI with the version it was read at (If-Match): a 409 says someone changed it since. */
function EditCi(props: { ci: Ci; type: CiType; visible: boolean; onDismiss: () => void; onDone: () => void }) {
  const { ci } = props;
  const notify = useNotify();
  const [name, setName] = useState(ci.name);
  const [status, setStatus] = useState<CiStatus>(ci.status);
  const [owner, setOwner] = useState(ci.owner ?? '');
  const [attributes, setAttributes] = useState<Record<string, AttributeValue>>(ci.attributes);
  const [reason, setReason] = useState('');
  const [opened, setOpened] = useState(ci.version);
  if (opened !== ci.version) {
    // The CI was read again (after a save, or a 409 said it changed): start from it as it is now.
    setOpened(ci.version);
    setName(ci.name);
    setStatus(ci.status);
    setOwner(ci.owner ?? '');
    setAttributes(ci.attributes);
    setReason('');
  }
  return (
    <FormModal
      title={`Edit ${ci.number}`}
      record="CI"
      onConflict={props.onDone}
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Save"
      size="large"
      onSubmit={async () => {
        const { data } = await must(
          api().PATCH('/v1/cis/{id}', {
            params: { path: { id: ci.ciId }, header: { 'If-Match': `"${opened}"` } },
            body: {
              ...(name !== ci.name ? { name } : {}),
              ...(status !== ci.status ? { status } : {}),
              ...(owner !== (ci.owner ?? '') ? { owner: owner || null } : {}),
              attributes,
              ...(reason ? { reason } : {}),
            },
          }),
        );
        notify({ type: 'success', content: `${data.number} saved (version ${data.version}).` });
        props.onDone();
      }}
    >
      <FormField label="Name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Status" description="Lifecycle: planned → active ↔ maintenance → retired (final).">
        <Select
          selectedOption={{ value: status, label: status }}
          options={optionsOf(CI_STATUSES)}
          onChange={(e) => setStatus(e.detail.selectedOption.value as CiStatus)}
        />
      </FormField>
      <FormField label="Owner (optional)">
        <Input value={owner} onChange={(e) => setOwner(e.detail.value)} />
      </FormField>
      <AttributeFields type={props.type} values={attributes} onChange={setAttributes} />
      <FormField label="Reason (optional)" description="Kept in the CI's history.">
        <Textarea value={reason} onChange={(e) => setReason(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}

function AddRelationship(props: { ci: Ci; visible: boolean; onDismiss: () => void; onDone: () => void }) {
  const notify = useNotify();
  const [type, setType] = useState('');
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const choices = useLoad(async () => {
    if (!props.visible) return undefined;
    const [types, cis] = await Promise.all([
      must(api().GET('/v1/relationship-types')),
      must(api().GET('/v1/cis', { params: { query: { limit: '100' } } })),
    ]);
    return { types: types.data.items, cis: cis.data.items.filter((x) => x.ciId !== props.ci.ciId) };
  }, [props.visible]);
  const typeOptions = (choices.data?.types ?? []).map((t) => ({
    value: t.typeId,
    label: t.typeId,
    description: `${t.name} (reverse: ${t.inverseName})`,
  }));
  const ciOptions = (choices.data?.cis ?? []).map((x) => ({ value: x.ciId, label: `${x.number} ${x.name}` }));
  return (
    <FormModal
      title={`Relate ${props.ci.number} to another CI`}
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Add relationship"
      onSubmit={async () => {
        await must(
          api().POST('/v1/cis/{id}/relationships', {
            params: { path: { id: props.ci.ciId } },
            body: { type, targetCiId: target, ...(reason ? { reason } : {}) },
          }),
        );
        notify({ type: 'success', content: `Relationship ${type} added.` });
        setType('');
        setTarget('');
        setReason('');
        props.onDone();
      }}
    >
      <LoadError error={choices.error} />
      <FormField label="Relationship type">
        <Select
          selectedOption={typeOptions.find((o) => o.value === type) ?? null}
          options={typeOptions}
          onChange={(e) => setType(e.detail.selectedOption.value ?? '')}
          placeholder="Choose a type"
          statusType={choices.loading ? 'loading' : 'finished'}
        />
      </FormField>
      <FormField label="Target CI">
        <Select
          selectedOption={ciOptions.find((o) => o.value === target) ?? null}
          options={ciOptions}
          filteringType="auto"
          onChange={(e) => setTarget(e.detail.selectedOption.value ?? '')}
          placeholder="Choose a CI"
          filteringAriaLabel="Find a CI"
          statusType={choices.loading ? 'loading' : 'finished'}
        />
      </FormField>
      <FormField label="Reason (optional)">
        <Input value={reason} onChange={(e) => setReason(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}

const NEW_CAMPAIGN = '__new__';

/**
 * Record whether the CI matches reality (FitSM PR11.5): a result in an open verification campaign
 * that covers it, or (for the CMDB's managers) in a new campaign for this CI alone.
 */
function RecordVerification(props: { ci: Ci; visible: boolean; onDismiss: () => void; onDone: () => void }) {
  const notify = useNotify();
  const canPlan = useCan(ROLES.cmdbAdmins);
  const [campaign, setCampaign] = useState('');
  const [result, setResult] = useState<'confirmed' | 'discrepancy'>('confirmed');
  const [notes, setNotes] = useState('');
  const open = useLoad(async () => {
    if (!props.visible) return [];
    const { data } = await must(api().GET('/v1/verification-campaigns', { params: { query: { limit: '100' } } }));
    return data.items.filter((x) => x.status === 'open');
  }, [props.visible]);
  const options = [
    ...(open.data ?? []).map((x) => ({
      value: x.campaignId,
      label: x.name,
      description: `due ${when(x.dueAt)}, ${x.scopeSize} CIs`,
    })),
    ...(canPlan ? [{ value: NEW_CAMPAIGN, label: `A new campaign for ${props.ci.number} alone` }] : []),
  ];
  const chosen = campaign || options[0]?.value || '';
  return (
    <FormModal
      title={`Record a verification of ${props.ci.number}`}
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Record"
      onSubmit={async () => {
        let campaignId = chosen;
        if (!campaignId) throw new Error('There is no open campaign to record in.');
        if (campaignId === NEW_CAMPAIGN) {
          const { data } = await must(
            api().POST('/v1/verification-campaigns', {
              body: {
                name: `Verify ${props.ci.number}`,
                ciIds: [props.ci.ciId],
                dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
              },
            }),
          );
          campaignId = data.campaignId;
        }
        await must(
          api().POST('/v1/verification-campaigns/{id}/results', {
            params: { path: { id: campaignId } },
            body: { ciId: props.ci.ciId, result, ...(notes ? { notes } : {}) },
          }),
        );
        notify({ type: 'success', content: `Verification of ${props.ci.number} recorded: ${result}.` });
        setNotes('');
        props.onDone();
      }}
    >
      <LoadError error={open.error} />
      <FormField label="Campaign" description="Results are recorded in a verification campaign that covers this CI.">
        <Select
          selectedOption={options.find((o) => o.value === chosen) ?? null}
          options={options}
          onChange={(e) => setCampaign(e.detail.selectedOption.value ?? '')}
          placeholder="No open campaign"
          statusType={open.loading ? 'loading' : 'finished'}
        />
      </FormField>
      <FormField label="Result">
        <RadioGroup
          value={result}
          onChange={(e) => setResult(e.detail.value as 'confirmed' | 'discrepancy')}
          items={[
            { value: 'confirmed', label: 'Confirmed: the CI matches reality' },
            { value: 'discrepancy', label: 'Discrepancy: the record differs from reality' },
          ]}
        />
      </FormField>
      <FormField label="Notes (optional)">
        <Textarea value={notes} onChange={(e) => setNotes(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}
