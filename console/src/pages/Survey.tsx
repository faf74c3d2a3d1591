import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import { publicApi } from '../api/client';

/**
 * The satisfaction survey behind the link in the closing mail (FitSM PR7.6): no sign-in, the link's
 * secret is the access. Answered once; an expired or used link says so.
 */
type State =
  | { kind: 'loading' }
  | { kind: 'open'; number: string; title: string; dueBy: string }
  | { kind: 'answered'; number: string; score?: number; mine: boolean }
  | { kind: 'expired'; detail: string }
  | { kind: 'missing' }
  | { kind: 'error'; detail: string };

const SCORES = [
  { value: '5', label: '5: Very satisfied' },
  { value: '4', label: '4: Satisfied' },
  { value: '3', label: '3: Neither satisfied nor dissatisfied' },
  { value: '2', label: '2: Dissatisfied' },
  { value: '1', label: '1: Very dissatisfied' },
];

export default function Survey() {
  const { token = '' } = useParams();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [score, setScore] = useState<string | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>();

  useEffect(() => {
    publicApi()
      .GET('/v1/surveys/{token}', { params: { path: { token } } })
      .then(({ data, error, response }) => {
        if (response.status === 404) return setState({ kind: 'missing' });
        if (response.status === 410)
          return setState({ kind: 'expired', detail: (error as { detail?: string } | undefined)?.detail ?? '' });
        if (!response.ok || !data)
          return setState({
            kind: 'error',
            detail: (error as { detail?: string } | undefined)?.detail ?? `HTTP ${response.status}`,
          });
        if (data.answered)
          return setState({
            kind: 'answered',
            number: data.number,
            ...(data.score ? { score: data.score } : {}),
            mine: false,
          });
        setState({ kind: 'open', number: data.number, title: data.title, dueBy: data.dueBy });
      })
      .catch((err: unknown) => setState({ kind: 'error', detail: String(err) }));
  }, [token]);

  const submit = async () => {
    if (state.kind !== 'open') return;
    if (!score) {
      setFieldError('Choose a rating.');
      return;
    }
    setBusy(true);
    setFieldError(undefined);
    const { data, error, response } = await publicApi().POST('/v1/surveys/{token}/answers', {
      params: { path: { token } },
      body: { score: Number(score), ...(comment.trim() ? { comment: comment.trim() } : {}) },
    });
    setBusy(false);
    const detail = (error as { detail?: string } | undefined)?.detail ?? `HTTP ${response.status}`;
    if (response.ok && data) return setState({ kind: 'answered', number: data.number, score: data.score, mine: true });
    if (response.status === 409) return setState({ kind: 'answered', number: state.number, mine: false });
    if (response.status === 410) return setState({ kind: 'expired', detail });
    setFieldError(detail);
  };

  return (
    <main style={{ maxWidth: 720, margin: '40px auto', padding: '0 16px' }}>
      <SpaceBetween size="l">
        <Header variant="h1">How did we do?</Header>
        {state.kind === 'loading' ? <Spinner size="large" /> : null}
        {state.kind === 'missing' ? (
          <Alert type="error" header="This survey link is not valid">
            Check that you opened the whole link from the e-mail.
          </Alert>
        ) : null}
        {state.kind === 'expired' ? (
          <Alert type="warning" header="This survey has expired">
            {state.detail || 'The time to answer it has passed.'} Thank you all the same.
          </Alert>
        ) : null}
        {state.kind === 'error' ? (
          <Alert type="error" header="Something went wrong">
            {state.detail}
          </Alert>
        ) : null}
        {state.kind === 'answered' ? (
          <Alert
            type={state.mine ? 'success' : 'info'}
            header={state.mine ? 'Thank you for your answer' : 'This survey was already answered'}
          >
            {state.mine
              ? `Your rating for ${state.number} is recorded.`
              : `The survey for ${state.number} has been answered; each survey takes one answer.`}
          </Alert>
        ) : null}
        {state.kind === 'open' ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <Container
              header={
                <Header variant="h2" description={state.title}>
                  Your ticket {state.number}
                </Header>
              }
            >
              <SpaceBetween size="m">
                <FormField label="How satisfied are you with how we handled it?" errorText={fieldError}>
                  <RadioGroup value={score} onChange={(e) => setScore(e.detail.value)} items={SCORES} />
                </FormField>
                <FormField label="Anything you want to tell us (optional)">
                  <Textarea value={comment} onChange={(e) => setComment(e.detail.value)} rows={4} />
                </FormField>
                <Box>Answer by {new Date(state.dueBy).toLocaleDateString()}.</Box>
                <Button variant="primary" loading={busy}>
                  Send my answer
                </Button>
              </SpaceBetween>
            </Container>
          </form>
        ) : null}
      </SpaceBetween>
    </main>
  );
}
