/** A queue entry as the desk's queue routes answer (`/v1/queues/...`). */
export interface QueueItem {
  ticketId: string;
  number: string;
  type: string;
  title: string;
  status: string;
  priority: string;
  assignmentGroup?: string;
  assigneeId?: string;
  customerId?: string;
  major: boolean;
  slaDeadline?: string;
  createdAt: string;
  version: number;
}

export interface RequestModel {
  modelId: string;
  name: string;
  description?: string;
  serviceId?: string;
  fields: {
    name: string;
    label: string;
    type: 'string' | 'number' | 'boolean' | 'date' | 'choice';
    required: boolean;
    allowedValues?: string[];
  }[];
  active: boolean;
}

export interface DeskSettings {
  priority: {
    impacts: string[];
    urgencies: string[];
    priorities: string[];
    matrix: Record<string, Record<string, string>>;
    defaultImpact: string;
    defaultUrgency: string;
  };
  categories: { id: string; name: string; children?: { id: string; name: string }[] }[];
  defaultGroup: string;
}
