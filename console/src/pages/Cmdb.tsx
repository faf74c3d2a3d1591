import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { AttributeFields, type AttributeValue, attributesToSend } from '../components/ci-attributes';
import { RouterLink } from '../components/links';
import {
  type Answer,
  FormModal,
  LoadError,
  LoadMore,
  optionsOf,
  ROLES,
  Status,
  useCan,
  usePaged,
} from '../components/page-kit';
import { useLoad } from '../components/use-load';

type Ci = Answer<'/v1/cis/{id}', 'get'>;
const CI_STATUSES = ['planned', 'active', 'maintenance', 'retired'] as const;

/** The CMDB's configuration items (FitSM PR11.2), all or by type, with "register a CI" for its managers. */
export default function Cmdb() {
  const [typeId, setTypeId] = useState('');
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  const canCreate = useCan(ROLES.cmdbAdmins);
  const types = useLoad(
    async () => (await must(api().GET('/v1/ci-types', { params: { query: { limit: '100' } } }))).data.items,
    [],
  );
  const list = usePaged(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/cis', {
            params: { query: { limit: '50', ...(typeId ? { typeId } : {}), ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [typeId],
  );
  const typeName = (id: string) => types.data?.find((t) => t.typeId === id)?.name ?? id;
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? list.items.filter((c) => `${c.number} ${c.name} ${c.owner ?? ''}`.toLowerCase().includes(needle))
    : list.items;
  const typeOptions = [
    { value: '', label: 'All types' },
    ...(types.data ?? []).map((t) => ({ value: t.typeId, label: t.name })),
  ];
  return (
    <ContentLayout header={<Header variant="h1">Configuration items</Header>}>
      <SpaceBetween size="m">
        <LoadError error={list.error ?? types.error} />
        <Table<Ci>
          header={
            <Header
              counter={`(${list.items.length}${list.hasMore ? '+' : ''})`}
              actions={
                canCreate ? (
                  <Button variant="primary" onClick={() => setCreating(true)}>
                    Register CI
                  </Button>
                ) : undefined
              }
            >
              CIs
            </Header>
          }
          ariaLabels={{ tableLabel: 'Configuration items' }}
          loading={list.loading && list.items.length === 0}
          loadingText="Loading CIs"
          items={shown}
          trackBy="ciId"
          filter={
            <SpaceBetween direction="horizontal" size="s">
              <TextFilter
                filteringText={filter}
                filteringPlaceholder="Find by number, name or owner"
                filteringAriaLabel="Find CIs by number, name or owner"
                onChange={(e) => setFilter(e.detail.filteringText)}
                countText={needle ? `${shown.length} matches` : undefined}
              />
              <Select
                selectedOption={typeOptions.find((o) => o.value === typeId) ?? typeOptions[0]!}
                options={typeOptions}
                onChange={(e) => setTypeId(e.detail.selectedOption.value ?? '')}
                ariaLabel="CI type"
              />
            </SpaceBetween>
          }
          columnDefinitions={[
            {
              id: 'number',
              header: 'Number',
              cell: (c) => <RouterLink href={`/cis/${c.number}`}>{c.number}</RouterLink>,
              isRowHeader: true,
            },
            { id: 'name', header: 'Name', cell: (c) => c.name },
            { id: 'type', header: 'Type', cell: (c) => typeName(c.typeId) },
            { id: 'status', header: 'Status', cell: (c) => <Status value={c.status} /> },
            { id: 'owner', header: 'Owner', cell: (c) => c.owner ?? '—' },
            {
              id: 'verified',
              header: 'Last verified',
              cell: (c) =>
                c.lastVerifiedAt ? `${c.lastVerificationResult ?? ''} ${c.lastVerifiedAt.slice(0, 10)}` : 'never',
            },
          ]}
          empty="No CIs"
          footer={<LoadMore list={list} what="CIs" />}
        />
      </SpaceBetween>
      {canCreate && types.data ? (
        <RegisterCi visible={creating} onDismiss={() => setCreating(false)} types={types.data} defaultType={typeId} />
      ) : null}
    </ContentLayout>
  );
}

function RegisterCi({
  visible,
  onDismiss,
  types,
  defaultType,
}: {
  visible: boolean;
  onDismiss: () => void;
  types: Answer<'/v1/ci-types', 'get'>['items'];
  defaultType: string;
}) {
  const navigate = useNavigate();
  const notify = useNotify();
  const [typeId, setTypeId] = useState(defaultType || types[0]?.typeId || '');
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [status, setStatus] = useState<(typeof CI_STATUSES)[number]>('planned');
  const [attributes, setAttributes] = useState<Record<string, AttributeValue>>({});
  const type = types.find((t) => t.typeId === typeId);
  return (
    <FormModal
      title="Register a CI"
      visible={visible}
      onDismiss={onDismiss}
      submitText="Register"
      size="large"
      onSubmit={async () => {
        const { data } = await must(
          api().POST('/v1/cis', {
            body: {
              typeId,
              name,
              status,
              attributes: attributesToSend(attributes, false),
              ...(owner ? { owner } : {}),
              serviceIds: [],
              customerIds: [],
            },
          }),
        );
        notify({ type: 'success', content: `${data.number} ${data.name} registered.` });
        navigate(`/cis/${data.number}`);
      }}
    >
      <FormField label="Type">
        <Select
          selectedOption={type ? { value: type.typeId, label: type.name } : null}
          options={types.map((t) => ({ value: t.typeId, label: t.name }))}
          onChange={(e) => {
            setTypeId(e.detail.selectedOption.value ?? '');
            setAttributes({});
          }}
        />
      </FormField>
      <FormField label="Name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Status">
        <Select
          selectedOption={{ value: status, label: status }}
          options={optionsOf(CI_STATUSES)}
          onChange={(e) => setStatus(e.detail.selectedOption.value as (typeof CI_STATUSES)[number])}
        />
      </FormField>
      <FormField label="Owner (optional)" description="The user id of the CI's owner, e.g. user-alice.">
        <Input value={owner} onChange={(e) => setOwner(e.detail.value)} />
      </FormField>
      {type ? <AttributeFields type={type} values={attributes} onChange={setAttributes} /> : null}
    </FormModal>
  );
}
