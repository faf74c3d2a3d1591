import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api, must } from '../api/client';
import { RouterLink } from '../components/links';
import { LoadError, LoadMore, optionsOf, usePaged } from '../components/page-kit';
import { outcomeText, RELEASE_STATUSES, type Release, ReleaseStatus, releaseWindow } from '../components/release-kit';

type Status = (typeof RELEASE_STATUSES)[number];

/** Releases, newest first, a page at a time; the status filter is kept in the address. */
export default function Releases() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = (RELEASE_STATUSES as readonly string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as Status)
    : undefined;
  const list = usePaged<Release>(
    async (cursor) =>
      (
        await must(
          api().GET('/v1/releases', {
            params: { query: { limit: '25', ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) } },
          }),
        )
      ).data,
    [status],
  );
  const any = { value: '', label: 'Any status' };
  return (
    <SpaceBetween size="m">
      <Table<Release>
        variant="full-page"
        items={list.items}
        trackBy="releaseId"
        loading={list.loading && list.items.length === 0}
        loadingText="Loading releases"
        ariaLabels={{ tableLabel: 'Releases' }}
        wrapLines
        header={
          <Header
            variant="awsui-h1-sticky"
            description="Releases bundling approved changes, newest first"
            actions={
              <Button variant="primary" onClick={() => navigate('/releases/new')}>
                New release
              </Button>
            }
          >
            Releases
          </Header>
        }
        filter={
          <FormField label="Status">
            <Select
              ariaLabel="Status"
              selectedOption={status ? { value: status, label: status } : any}
              options={[any, ...optionsOf(RELEASE_STATUSES)]}
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
            cell: (r) => <RouterLink href={`/releases/${r.releaseId}`}>{r.number}</RouterLink>,
            isRowHeader: true,
          },
          { id: 'title', header: 'Title', cell: (r) => r.title },
          { id: 'type', header: 'Type', cell: (r) => r.type },
          { id: 'status', header: 'Status', cell: (r) => <ReleaseStatus value={r.status} /> },
          { id: 'window', header: 'Planned window', cell: (r) => releaseWindow(r.plan) },
          { id: 'changes', header: 'Changes', cell: (r) => String(r.changeIds.length) },
          { id: 'outcome', header: 'Outcome', cell: (r) => (r.outcome ? outcomeText(r.outcome) : '—') },
        ]}
        empty={
          <Box textAlign="center" color="inherit">
            {list.error ? <LoadError error={list.error} /> : 'No release.'}
          </Box>
        }
        footer={<LoadMore list={list} what="releases" />}
      />
    </SpaceBetween>
  );
}
