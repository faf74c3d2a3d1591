import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useNotify } from '../App';
import { api, must } from '../api/client';
import { when } from '../components/format';
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

type Customer = Answer<'/v1/customers/{customerId}', 'get'>;
type Contact = Answer<'/v1/customers/{customerId}/contacts/{contactId}', 'get'>;
const CONTACT_ROLES = ['primary', 'technical', 'billing', 'escalation', 'other'] as const;
type ContactRole = (typeof CONTACT_ROLES)[number];

/**
 * Customers and their contacts (FitSM PR7.1-PR7.3): the register, one customer's details and
 * agreed channels, and its contacts to add and edit. The chosen customer is in the address
 * (`?customer=acme`), so a link can point at it.
 */
export default function Customers() {
  const [params, setParams] = useSearchParams();
  const chosen = params.get('customer') ?? '';
  const canRegister = useCan(ROLES.customersAdmins);
  const [registering, setRegistering] = useState(false);
  const list = usePaged(
    async (cursor) =>
      (await must(api().GET('/v1/customers', { params: { query: { limit: '50', ...(cursor ? { cursor } : {}) } } })))
        .data,
    [],
  );
  const selected = list.items.find((c) => c.customerId === chosen);
  return (
    <ContentLayout header={<Header variant="h1">Customers</Header>}>
      <SpaceBetween size="l">
        <LoadError error={list.error} />
        <Table<Customer>
          header={
            <Header
              counter={`(${list.items.length})`}
              actions={
                canRegister ? (
                  <Button variant="primary" onClick={() => setRegistering(true)}>
                    Register customer
                  </Button>
                ) : undefined
              }
            >
              Customers
            </Header>
          }
          ariaLabels={{
            tableLabel: 'Customers',
            selectionGroupLabel: 'Choose a customer',
            itemSelectionLabel: (_, c) => `Show ${c.name}`,
          }}
          selectionType="single"
          selectedItems={selected ? [selected] : []}
          onSelectionChange={(e) => {
            const c = e.detail.selectedItems[0];
            if (c) setParams({ customer: c.customerId });
          }}
          loading={list.loading && list.items.length === 0}
          loadingText="Loading customers"
          items={list.items}
          trackBy="customerId"
          empty="No customers"
          columnDefinitions={[
            { id: 'name', header: 'Name', cell: (c) => c.name, isRowHeader: true },
            { id: 'id', header: 'Id', cell: (c) => c.customerId },
            { id: 'status', header: 'Status', cell: (c) => <Status value={c.status} /> },
            { id: 'manager', header: 'Account manager', cell: (c) => c.accountManager },
            { id: 'services', header: 'Services', cell: (c) => c.services.length },
          ]}
          footer={<LoadMore list={list} what="customers" />}
        />
        {chosen ? <CustomerDetail customerId={chosen} /> : null}
      </SpaceBetween>
      {canRegister ? (
        <RegisterCustomer
          visible={registering}
          onDismiss={() => setRegistering(false)}
          onDone={(id) => {
            list.reload();
            setParams({ customer: id });
          }}
        />
      ) : null}
    </ContentLayout>
  );
}

function CustomerDetail({ customerId }: { customerId: string }) {
  const canEdit = useCan(ROLES.customersStaff);
  const [dialog, setDialog] = useState<{ contact?: Contact } | undefined>();
  const customer = useLoad(
    async () => (await must(api().GET('/v1/customers/{customerId}', { params: { path: { customerId } } }))).data,
    [customerId],
  );
  const contacts = useLoad(
    async () =>
      (
        await must(
          api().GET('/v1/customers/{customerId}/contacts', {
            params: { path: { customerId }, query: { limit: '100' } },
          }),
        )
      ).data.items,
    [customerId],
  );
  const c = customer.data;
  return (
    <SpaceBetween size="l">
      <LoadError error={customer.error ?? contacts.error} />
      {c ? (
        <Container header={<Header variant="h2">{c.name}</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Status', value: <Status value={c.status} /> },
              { label: 'Account manager', value: c.accountManager },
              {
                label: 'Services used',
                value: c.services.map((s) => `${s.serviceId} since ${s.since}`).join(', ') || '—',
              },
              { label: 'Portal', value: c.channels.portal ? 'yes' : 'no' },
              { label: 'E-mail', value: c.channels.email ?? '—' },
              { label: 'Phone', value: c.channels.phone ?? '—' },
              { label: 'Escalation', value: c.channels.escalation ?? '—' },
              { label: 'Complaints', value: c.channels.complaints ?? '—' },
              { label: 'Notes', value: c.notes ?? '—' },
            ]}
          />
        </Container>
      ) : null}
      <Table<Contact>
        header={
          <Header
            counter={`(${contacts.data?.length ?? 0})`}
            actions={canEdit ? <Button onClick={() => setDialog({})}>Add contact</Button> : undefined}
          >
            Contacts{c ? ` of ${c.name}` : ''}
          </Header>
        }
        ariaLabels={{ tableLabel: `Contacts of ${c?.name ?? customerId}` }}
        loading={contacts.loading && !contacts.data}
        loadingText="Loading contacts"
        items={contacts.data ?? []}
        trackBy="contactId"
        empty="No contacts"
        columnDefinitions={[
          { id: 'name', header: 'Name', cell: (x) => x.name, isRowHeader: true },
          { id: 'role', header: 'Role', cell: (x) => x.role },
          { id: 'email', header: 'E-mail', cell: (x) => x.email },
          { id: 'phone', header: 'Phone', cell: (x) => x.phone ?? '—' },
          { id: 'notices', header: 'SLA notices', cell: (x) => (x.receivesServiceLevelNotices ? 'yes' : 'no') },
          { id: 'portal', header: 'Portal user', cell: (x) => (x.portalUser ? 'yes' : 'no') },
          { id: 'updated', header: 'Updated', cell: (x) => when(x.updatedAt) },
          ...(canEdit
            ? [
                {
                  id: 'edit',
                  header: 'Actions',
                  cell: (x: Contact) => (
                    <Button
                      variant="inline-link"
                      ariaLabel={`Edit ${x.name}`}
                      onClick={() => setDialog({ contact: x })}
                    >
                      Edit
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      {canEdit ? (
        <ContactForm
          key={dialog?.contact?.contactId ?? 'new'}
          customerId={customerId}
          contact={dialog?.contact}
          visible={dialog !== undefined}
          onDismiss={() => setDialog(undefined)}
          onDone={contacts.reload}
        />
      ) : null}
    </SpaceBetween>
  );
}

/** Add a contact, or change one with the version it was read at (If-Match). */
function ContactForm(props: {
  customerId: string;
  contact?: Contact;
  visible: boolean;
  onDismiss: () => void;
  onDone: () => void;
}) {
  const notify = useNotify();
  const x = props.contact;
  const [name, setName] = useState(x?.name ?? '');
  const [email, setEmail] = useState(x?.email ?? '');
  const [phone, setPhone] = useState(x?.phone ?? '');
  const [role, setRole] = useState<ContactRole>(x?.role ?? 'other');
  const [notices, setNotices] = useState(x?.receivesServiceLevelNotices ?? false);
  const [portal, setPortal] = useState(x?.portalUser ?? false);
  return (
    <FormModal
      title={x ? `Edit ${x.name}` : 'Add a contact'}
      record="contact"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText={x ? 'Save' : 'Add contact'}
      onSubmit={async () => {
        const fields = { name, email, role, receivesServiceLevelNotices: notices, portalUser: portal };
        if (x) {
          await must(
            api().PATCH('/v1/customers/{customerId}/contacts/{contactId}', {
              params: {
                path: { customerId: props.customerId, contactId: x.contactId },
                header: { 'If-Match': `"${x.version}"` },
              },
              body: { ...fields, phone: phone || null },
            }),
          );
        } else {
          await must(
            api().POST('/v1/customers/{customerId}/contacts', {
              params: { path: { customerId: props.customerId } },
              body: { ...fields, ...(phone ? { phone } : {}) },
            }),
          );
          setName('');
          setEmail('');
          setPhone('');
        }
        notify({ type: 'success', content: `Contact ${name} ${x ? 'saved' : 'added'}.` });
        props.onDone();
      }}
    >
      <FormField label="Contact name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="E-mail">
        <Input type="email" value={email} onChange={(e) => setEmail(e.detail.value)} />
      </FormField>
      <FormField label="Phone (optional)">
        <Input value={phone} onChange={(e) => setPhone(e.detail.value)} />
      </FormField>
      <FormField label="Role">
        <Select
          selectedOption={{ value: role, label: role }}
          options={optionsOf(CONTACT_ROLES)}
          onChange={(e) => setRole(e.detail.selectedOption.value as ContactRole)}
        />
      </FormField>
      <Checkbox checked={notices} onChange={(e) => setNotices(e.detail.checked)}>
        Receives SLA violation notices
      </Checkbox>
      <Checkbox checked={portal} onChange={(e) => setPortal(e.detail.checked)}>
        Uses the portal
      </Checkbox>
    </FormModal>
  );
}

function RegisterCustomer(props: { visible: boolean; onDismiss: () => void; onDone: (id: string) => void }) {
  const notify = useNotify();
  const [customerId, setCustomerId] = useState('');
  const [name, setName] = useState('');
  const [manager, setManager] = useState('');
  const [email, setEmail] = useState('');
  const [notes, setNotes] = useState('');
  return (
    <FormModal
      title="Register a customer"
      visible={props.visible}
      onDismiss={props.onDismiss}
      submitText="Register"
      onSubmit={async () => {
        const { data } = await must(
          api().POST('/v1/customers', {
            body: {
              customerId,
              name,
              accountManager: manager,
              status: 'active',
              services: [],
              channels: email ? { email } : {},
              ...(notes ? { notes } : {}),
            },
          }),
        );
        notify({ type: 'success', content: `Customer ${data.name} registered.` });
        props.onDone(data.customerId);
      }}
    >
      <FormField label="Customer id" constraintText="A slug: lower-case letters, digits and single hyphens.">
        <Input value={customerId} onChange={(e) => setCustomerId(e.detail.value)} />
      </FormField>
      <FormField label="Customer name">
        <Input value={name} onChange={(e) => setName(e.detail.value)} />
      </FormField>
      <FormField label="Account manager" description="The user id of the relationship manager, e.g. user-cora.">
        <Input value={manager} onChange={(e) => setManager(e.detail.value)} />
      </FormField>
      <FormField label="Support e-mail (optional)">
        <Input type="email" value={email} onChange={(e) => setEmail(e.detail.value)} />
      </FormField>
      <FormField label="Internal notes (optional)">
        <Textarea value={notes} onChange={(e) => setNotes(e.detail.value)} />
      </FormField>
    </FormModal>
  );
}
