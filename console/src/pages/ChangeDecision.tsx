import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { useSession } from '../auth';
import {
  ApprovalLevels,
  askedText,
  ChangeStatus,
  ConflictList,
  ImpactPairs,
  loadConflicts,
  windowText,
} from '../components/change-kit';
import { when } from '../components/format';
import { RouterLink, useFollow } from '../components/links';
import { actionError } from '../components/page-kit';
import { useLoad } from '../components/use-load';

/**
 * Where the approval e-mail leads: the change in brief (impact, risk, conflicts, the open level)
 * and Approve / Reject with a rationale. Opening it only reads (mail scanners follow links); the
 * decision is a POST from the buttons, for the level shown (the API refuses a level since decided).
 */
export default function ChangeDecision() {
  const { id = '' } = useParams();
  const session = useSession();
  const notify = useNotify();
  const follow = useFollow();
  const [rationale, setRationale] = useState('');
  const [busy, setBusy] = useState<'approve' | 'reject' | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [missing, setMissing] = useState(false);
  const loaded = useLoad(async () => {
    const c = api();
    const [{ data: change }, { data: approvals }] = await Promise.all([
      must(c.GET('/v1/changes/{id}', { params: { path: { id } } })),
      must(c.GET('/v1/changes/{id}/approvals', { params: { path: { id } } })),
    ]);
    return { change, approvals, conflicts: await loadConflicts(change) };
  }, [id]);
  if (loaded.error && !loaded.data)
    return (
      <Alert type="error" header="Cannot show this change">
        {loaded.error}
      </Alert>
    );
  if (!loaded.data) return <Spinner size="large" />;
  const { change: c, approvals, conflicts } = loaded.data;
  const open = approvals.levels.find((l) => l.status === 'open');
  const me = `user-${session.name}`;
  const mine = open?.votes.find((v) => v.userId === me);
  // My last vote on any level: what this page says once the level it was for is decided.
  const voted = approvals.levels.flatMap((l) => l.votes.filter((v) => v.userId === me).map((v) => ({ l, v }))).at(-1);

  const decide = async (decision: 'approve' | 'reject') => {
    if (!rationale.trim()) {
      setMissing(true);
      return;
    }
    if (!open) return;
    setBusy(decision);
    setError(undefined);
    try {
      await must(
        api().POST('/v1/changes/{id}/approvals', {
          params: { path: { id: c.changeId } },
          body: { decision, rationale: rationale.trim(), level: open.level },
        }),
      );
      notify({
        type: 'success',
        content: `${c.number}: you ${decision === 'approve' ? 'approved' : 'rejected'} level ${open.level}.`,
      });
      setRationale('');
      loaded.reload();
    } catch (err) {
      setError(actionError(err, 'change'));
      loaded.reload();
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <ContentLayout
      header={
        <SpaceBetween size="m">
          <BreadcrumbGroup
            ariaLabel="Breadcrumbs"
            items={[
              { text: 'Approvals', href: '/approvals' },
              { text: c.number, href: `/changes/${c.changeId}/decision` },
            ]}
            onFollow={follow}
          />
          <Header variant="h1" description={`Decision on a ${c.type} change`}>
            Decide on {c.number}: {c.title}
          </Header>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">The change</Header>}>
          <SpaceBetween size="m">
            <KeyValuePairs
              columns={4}
              items={[
                { label: 'Status', value: <ChangeStatus value={c.status} /> },
                { label: 'Planned window', value: windowText(c) },
                { label: 'Requester', value: c.requesterId },
                { label: 'Risk', value: c.assessment?.risk ?? '—' },
              ]}
            />
            <Box variant="p">{c.description}</Box>
            {c.assessment ? (
              <ImpactPairs
                cis={c.assessment.affected.ciCount}
                services={c.assessment.affected.serviceIds.length}
                customers={c.assessment.affected.customerIds.length}
                agreements={c.assessment.affected.agreementIds.length}
                impact={c.assessment.impact}
                basis={c.assessment.impactBasis}
                truncated={c.assessment.affected.truncated}
              />
            ) : null}
            <Box variant="small">
              <RouterLink href={`/changes/${c.changeId}`}>Everything on {c.number}</RouterLink> (plans, history)
            </Box>
          </SpaceBetween>
        </Container>
        <Container header={<Header variant="h2">Conflicts</Header>}>
          <ConflictList conflicts={conflicts} />
        </Container>
        <Container header={<Header variant="h2">Your decision</Header>}>
          {!open ? (
            <Box>
              {voted
                ? `You ${voted.v.decision === 'approve' ? 'approved' : 'rejected'} level ${voted.l.level} (${voted.l.name}) ${when(voted.v.at)}: “${voted.v.rationale}”. `
                : ''}
              Nothing waits for a decision on {c.number} (status {approvals.status}).
            </Box>
          ) : mine ? (
            <Box>
              You {mine.decision === 'approve' ? 'approved' : 'rejected'} level {open.level} ({open.name}){' '}
              {when(mine.at)}: “{mine.rationale}”. The level waits for{' '}
              {open.required - open.votes.filter((v) => v.decision === 'approve').length} more approval(s).
            </Box>
          ) : (
            <form onSubmit={(e) => e.preventDefault()}>
              <Form
                errorText={error}
                errorIconAriaLabel="Error"
                actions={
                  <SpaceBetween direction="horizontal" size="xs">
                    <Button loading={busy === 'reject'} disabled={Boolean(busy)} onClick={() => void decide('reject')}>
                      Reject
                    </Button>
                    <Button
                      variant="primary"
                      loading={busy === 'approve'}
                      disabled={Boolean(busy)}
                      onClick={() => void decide('approve')}
                    >
                      Approve
                    </Button>
                  </SpaceBetween>
                }
              >
                <SpaceBetween size="m">
                  <KeyValuePairs
                    columns={3}
                    items={[
                      { label: 'Open level', value: `${open.level}. ${open.name}` },
                      { label: 'Asked', value: askedText(open) || '—' },
                      { label: 'Due', value: `${when(open.dueAt)} (then ${open.onTimeout})` },
                    ]}
                  />
                  <FormField
                    label="Rationale"
                    description="Required: why you approve or reject; recorded with your vote"
                    errorText={missing && !rationale.trim() ? 'Give a rationale.' : undefined}
                  >
                    <Textarea value={rationale} onChange={(e) => setRationale(e.detail.value)} rows={3} />
                  </FormField>
                </SpaceBetween>
              </Form>
            </form>
          )}
        </Container>
        <Container header={<Header variant="h2">Approval levels</Header>}>
          <ApprovalLevels levels={approvals.levels} />
        </Container>
      </SpaceBetween>
    </ContentLayout>
  );
}
