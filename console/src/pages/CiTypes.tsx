import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import type { CiType } from '../components/ci-attributes';
import { FormModal, LoadError, LoadMore, optionsOf, ROLES, useCan, usePaged } from '../components/page-kit';
import { useLoad } from '../components/use-load';

const KINDS = ['string', 'number', 'boolean', 'date', 'enum'] as const;
type Kind = (typeof KINDS)[number];
interface AttributeRow {
  name: string;
  type: Kind;
  required: boolean;
  allowed: string;
}

/** CI types and their attribute schemas, and the relationship types (FitSM PR11.1). */
export default function CiTypes() {
  const canDefine = useCan(ROLES.cmdbAdmins);
  const [creating, setCreating] = useState(false);
  const types = usePaged(
    async (cursor) =>
      (await must(api().GET('/v1/ci-types', { params: { query: { limit: '50', ...(cursor ? { cursor } : {}) } } })))
        .data,
    [],
  );
  const relationshipTypes = useLoad(async () => (await must(api().GET('/v1/relationship-types'))).data.items, []);
  return (
    <ContentLayout header={<Header variant="h1">CI types</Header>}>
      <SpaceBetween size="l">
        <LoadError error={types.error} />
        <Table<CiType>
          header={
            <Header
              counter={`(${types.items.length})`}
              actions={
                canDefine ? (
                  <Button variant="primary" onClick={() => setCreating(true)}>
                    Define CI type
                  </Button>
                ) : undefined
              }
            >
              CI types
            </Header>
          }
          ariaLabels={{ tableLabel: 'CI types' }}
          loading={types.loading && types.items.length === 0}
          loadingText="Loading CI types"
          items={types.items}
          trackBy="typeId"
          wrapLines
          empty="No CI types"
          columnDefinitions={[
            { id: 'name', header: 'Name', cell: (t) => t.name, isRowHeader: true },
            { id: 'id', header: 'Id', cell: (t) => t.typeId },
            {
              id: 'attributes',
              header: 'Attributes',
              cell: (t) =>
                t.attributes
                  .map(
                    (a) =>
                      `${a.name}: ${a.type}${a.allowedValues ? ` (${a.allowedValues.join(', ')})` : ''}${a.required ? ', required' : ''}`,
                  )
                  .join('; ') || '—',
            },
            { id: 'description', header: 'Description', cell: (t) => t.description ?? '—' },
            { id: 'version', header: 'Version', cell: (t) => t.version },
          ]}
          footer={<LoadMore list={types} what="CI types" />}
        />
        <LoadError error={relationshipTypes.error} />
        <Table
          header={<Header counter={`(${relationshipTypes.data?.length ?? 0})`}>Relationship types</Header>}
          ariaLabels={{ tableLabel: 'Relationship types' }}
          loading={relationshipTypes.loading}
          loadingText="Loading relationship types"
          items={relationshipTypes.data ?? []}
          trackBy="typeId"
          empty="No relationship types"
          columnDefinitions={[
            { id: 'id', header: 'Id', cell: (t) => t.typeId, isRowHeader: true },
            { id: 'name', header: 'Reads', cell: (t) => `A ${t.name} B; B ${t.inverseName} A` },
            { id: 'dependency', header: 'Dependency', cell: (t) => t.dependency },
            { id: 'builtIn', header: 'Built in', cell: (t) => (t.builtIn ? 'yes' : 'no') },
          ]}
        />
      </SpaceBetween>
      {canDefine ? <DefineType visible={creating} onDismiss={() => setCreating(false)} onDone={types.reload} /> : null}
    </ContentLayout>
  );
}

const emptyRow = (): AttributeRow => ({ name: '', type: 'string', required: false, allowed: '' });

function DefineType(props: { visible: boolean; onDismiss: () => void; onDone: () => void }) {
  const notify = useNotify();
  const [typeId, setTypeId] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rows, setRows] = useState<AttributeRow[]>([emptyRow()]);
  const setRow = (i: number, patch: Partial<AttributeRow>) =>
    setRows((r) => r.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  return (
    <FormModal
      title="Define a CI type"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Define"
      size="large"
      onSubmit={async () => {
        const attributes = rows
          .filter((r) => r.name.trim())
          .map((r) => ({
            name: r.name.trim(),
            type: r.type,
            required: r.required,
            ...(r.type === 'enum'
              ? {
                  allowedValues: r.allowed
                    .split(',')
                    .map((v) => v.trim())
                    .filter(Boolean),
                }
              : {}),
          }));
        const { data } = await must(
          api().POST('/v1/ci-types', {
            body: { typeId, name, attributes, ...(description ? { description } : {}) },
          }),
        );
        notify({ type: 'success', content: `CI type ${data.name} defined.` });
        setTypeId('');
        setName('');
        setDescription('');
        setRows([emptyRow()]);
        props.onDone();
      }}
    >
      <FormField label="Type id" constraintText="Lower-case letters, digits and dashes, e.g. load-balancer.">
        <Input value={typeId} onChange={(e) => setTypeId(e.detail.value)} />
      </FormField>
      <FormField label="Type name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Description (optional)">
        <Textarea value={description} onChange={(e) => setDescription(e.detail.value)} />
      </FormField>
      <Box variant="h3">Attributes</Box>
      {rows.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place while being typed.
        <ColumnLayout key={i} columns={4}>
          <FormField label={`Attribute ${i + 1} name`}>
            <Input value={r.name} onChange={(e) => setRow(i, { name: e.detail.value })} />
          </FormField>
          <FormField label={`Attribute ${i + 1} kind`}>
            <Select
              selectedOption={{ value: r.type, label: r.type }}
              options={optionsOf(KINDS)}
              onChange={(e) => setRow(i, { type: e.detail.selectedOption.value as Kind })}
            />
          </FormField>
          <FormField
            label={`Attribute ${i + 1} allowed values`}
            description={r.type === 'enum' ? 'Comma separated' : 'Enums only'}
          >
            <Input
              value={r.allowed}
              disabled={r.type !== 'enum'}
              onChange={(e) => setRow(i, { allowed: e.detail.value })}
            />
          </FormField>
          <FormField label={`Attribute ${i + 1} required`}>
            <Checkbox checked={r.required} onChange={(e) => setRow(i, { required: e.detail.checked })}>
              Required
            </Checkbox>
          </FormField>
        </ColumnLayout>
      ))}
      <Button formAction="none" iconName="add-plus" onClick={() => setRows((r) => [...r, emptyRow()])}>
        Add attribute
      </Button>
    </FormModal>
  );
}
