import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FileUpload from '@cloudscape-design/components/file-upload';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useCallback, useEffect, useState } from 'react';
import { useNotify } from '../App';
import { api, describeError, must } from '../api/client';
import type { Comment, Ticket } from '../api/ticket';
import { when } from './format';

/**
 * Files on a ticket and its comments. The file goes straight to the bucket (a presigned PUT whose
 * type and length are signed), then the desk checks it (HeadObject) and records it; a download is a
 * presigned link valid 5 minutes, on the bucket's domain, saved as a file (never rendered).
 */
type AttachmentRow = {
  attachmentId: string;
  fileName: string;
  contentType: string;
  size: number;
  commentId?: string;
  visibility: 'public' | 'internal';
  uploadedBy: { id: string; name: string };
  createdAt: string;
  status: 'pending' | 'available';
};

const size = (n: number) =>
  n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`;

export function Attachments({ ticket, comments }: { ticket: Ticket; comments: Comment[] }) {
  const notify = useNotify();
  const [items, setItems] = useState<AttachmentRow[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  const [commentId, setCommentId] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const closed = ticket.status === 'closed' || ticket.status === 'cancelled';

  const load = useCallback(async () => {
    const { data } = await must(
      api().GET('/v1/tickets/{id}/attachments', { params: { path: { id: ticket.ticketId }, query: { limit: '100' } } }),
    );
    setItems(data.items.filter((a) => a.status === 'available'));
  }, [ticket.ticketId]);
  useEffect(() => {
    load().catch((err: unknown) => setError(describeError(err)));
  }, [load]);

  const upload = async () => {
    const file = files[0];
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      const c = api();
      const path = { id: ticket.ticketId };
      const { data: asked } = await must(
        c.POST('/v1/tickets/{id}/attachments', {
          params: { path },
          body: {
            fileName: file.name,
            contentType: file.type || 'application/octet-stream',
            size: file.size,
            ...(commentId ? { commentId } : {}),
          },
        }),
      );
      // The browser sets Content-Length from the body; the other signed headers go as given.
      const headers = Object.fromEntries(
        Object.entries(asked.upload.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'content-length'),
      );
      const put = await fetch(asked.upload.url, { method: 'PUT', headers, body: file });
      if (!put.ok) throw new Error(`The file store refused the upload (${put.status}).`);
      await must(
        c.POST('/v1/tickets/{id}/attachments/{attachmentId}/completion', {
          params: { path: { id: ticket.ticketId, attachmentId: asked.attachment.attachmentId } },
        }),
      );
      setFiles([]);
      notify({ type: 'success', content: `${file.name} attached.` });
      await load();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const download = async (a: AttachmentRow) => {
    try {
      const { data } = await must(
        api().GET('/v1/tickets/{id}/attachments/{attachmentId}/download', {
          params: { path: { id: ticket.ticketId, attachmentId: a.attachmentId } },
        }),
      );
      // The bucket answers with Content-Disposition: attachment, so this saves the file.
      const link = document.createElement('a');
      link.href = data.url;
      link.rel = 'noopener';
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (err) {
      notify({ type: 'error', content: `Download failed: ${describeError(err)}` });
    }
  };

  const commentLabel = (id?: string) => {
    if (!id) return 'Ticket';
    const c = comments.find((x) => x.commentId === id);
    return c ? `Comment of ${when(c.createdAt)}` : 'Comment';
  };

  return (
    <Container
      header={
        <Header variant="h2" counter={`(${items.length})`}>
          Attachments
        </Header>
      }
    >
      <SpaceBetween size="m">
        <Table<AttachmentRow>
          variant="embedded"
          ariaLabels={{ tableLabel: 'Attachments' }}
          items={items}
          empty={<Box color="text-status-inactive">No files yet.</Box>}
          columnDefinitions={[
            {
              id: 'name',
              header: 'File',
              isRowHeader: true,
              cell: (a) => (
                <Button variant="inline-link" ariaLabel={`Download ${a.fileName}`} onClick={() => void download(a)}>
                  {a.fileName}
                </Button>
              ),
            },
            { id: 'size', header: 'Size', cell: (a) => size(a.size) },
            { id: 'on', header: 'On', cell: (a) => commentLabel(a.commentId) },
            { id: 'vis', header: 'Visibility', cell: (a) => (a.visibility === 'internal' ? 'Internal' : 'Public') },
            { id: 'by', header: 'By', cell: (a) => `${a.uploadedBy.name} · ${when(a.createdAt)}` },
          ]}
        />
        {closed ? null : (
          <SpaceBetween size="s">
            <FormField
              label="Add a file"
              description="Images, text and logs, PDF, archives and office documents; up to 10 MB"
              errorText={error}
            >
              <FileUpload
                value={files}
                onChange={(e) => setFiles(e.detail.value)}
                i18nStrings={{
                  uploadButtonText: () => 'Choose file',
                  dropzoneText: () => 'Drop a file to attach',
                  removeFileAriaLabel: (i) => `Remove file ${i + 1}`,
                  limitShowFewer: 'Show fewer files',
                  limitShowMore: 'Show more files',
                  errorIconAriaLabel: 'Error',
                  warningIconAriaLabel: 'Warning',
                }}
                showFileSize
                tokenLimit={1}
              />
            </FormField>
            {comments.length ? (
              <FormField label="Attach to">
                <Select
                  selectedOption={{ value: commentId, label: commentId ? commentLabel(commentId) : 'The ticket' }}
                  options={[
                    { value: '', label: 'The ticket' },
                    ...comments.map((c) => ({
                      value: c.commentId,
                      label: `${commentLabel(c.commentId)} (${c.visibility})`,
                      description: c.text.slice(0, 60),
                    })),
                  ]}
                  onChange={(e) => setCommentId(e.detail.selectedOption.value ?? '')}
                />
              </FormField>
            ) : null}
            <Button onClick={() => void upload()} loading={busy} disabled={files.length === 0}>
              Upload
            </Button>
          </SpaceBetween>
        )}
      </SpaceBetween>
    </Container>
  );
}
