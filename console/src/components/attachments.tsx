import type { Comment, Ticket } from '../api/ticket';

// Attachments arrive with the service desk's attachment routes (issue 10, in progress).
export function Attachments(_props: { ticket: Ticket; comments: Comment[] }) {
  return null;
}
