import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api, must } from '../api/client';
import { CHANGE_STATUSES, type Change, ChangeStatus, windowText } from '../components/change-kit';
import { RouterLink } from '../components/links';
import { LoadError, LoadMore, optionsOf, usePaged } from '../components/page-kit';

type Status = (typeof CHANGE_STATUSES)[number];

/** Changes, newest first, a page at a time; the status filter is kept in the address. */
export default function Changes() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = (CHANGE_STATUSES as readonly string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as Status)
    : undefined;
  const list = usePaged<Change>(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/changes', {
            params: { query: { limit: '25', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [status],
  );
  const any = { value: '', label: 'Any status' };
  return (
    <SpaceBetween size="m">
      <Table<Change>
        variant="full-page"
        items={list.items}
        trackBy="changeId"
        loading={list.loading && list.items.length === 0}
        loadingText="Loading changes"
        ariaLabels={{ tableLabel: 'Changes' }}
        wrapLines
        header={
          <Header
            variant="awsui-h1-sticky"
            description="Requests for change, newest first"
            actions={
              <Button variant="primary" onClick={() => navigate('/changes/new')}>
                Raise a change
              </Button>
            }
          >
            Changes
          </Header>
        }
        filter={
          <FormField label="Status">
            <Select
              ariaLabel="Status"
              selectedOption={status ? { value: status, label: status } : any}
              options={[any, ...optionsOf(CHANGE_STATUSES)]}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                if (e.detail.selectedOption.value) next.set('status', e.detail.selectedOption.value);
                else next.delete('status');
                setParams(next);
              }}
            />
          </FormField>
        }
        columnDefinitions={[
          {
            id: 'number',
            header: 'Number',
            cell: (c) => <RouterLink href={`/changes/${c.changeId}`}>{c.number}</RouterLink>,
            isRowHeader: true,
          },
          { id: 'title', header: 'Title', cell: (c) => c.title },
          { id: 'type', header: 'Type', cell: (c) => c.type },
          { id: 'status', header: 'Status', cell: (c) => <ChangeStatus value={c.status} /> },
          { id: 'risk', header: 'Risk', cell: (c) => c.assessment?.risk ?? '—' },
          { id: 'impact', header: 'Impact', cell: (c) => c.assessment?.impact ?? '—' },
          { id: 'window', header: 'Planned window', cell: (c) => windowText(c) },
        ]}
        empty={
          <Box textAlign="center" color="inherit">
            {list.error ? <LoadError error={list.error} /> : 'No change.'}
          </Box>
        }
        footer={<LoadMore list={list} what="changes" />}
      />
    </SpaceBetween>
  );
}
