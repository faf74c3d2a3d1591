import Autosuggest from '@cloudscape-design/components/autosuggest';
import TokenGroup from '@cloudscape-design/components/token-group';
import { useState } from 'react';
import { api } from '../api/client';

type Kind = 'tickets' | 'cis' | 'services' | 'users' | 'groups' | 'customers';
export interface Picked {
  id: string;
  label: string;
}

/** Typeahead over the reporting service's pickers (`/v1/pickers/{kind}?prefix=`). */
export function Picker(props: {
  kind: Kind;
  value: Picked | undefined;
  onChange: (v: Picked | undefined) => void;
  ariaLabel: string;
  placeholder?: string;
}) {
  const [text, setText] = useState(props.value?.label ?? '');
  const [options, setOptions] = useState<Picked[]>([]);
  const [status, setStatus] = useState<'pending' | 'loading' | 'finished' | 'error'>('pending');
  const load = async (prefix: string) => {
    if (!prefix.trim()) return setOptions([]);
    setStatus('loading');
    const { data, response } = await api().GET('/v1/pickers/{kind}', {
      params: { path: { kind: props.kind }, query: { prefix: prefix.trim().slice(0, 100), limit: '10' } },
    });
    if (!response.ok) return setStatus('error');
    setOptions((data?.items ?? []).map((i) => ({ id: i.id, label: i.label })));
    setStatus('finished');
  };
  return (
    <Autosuggest
      value={text}
      ariaLabel={props.ariaLabel}
      placeholder={props.placeholder ?? 'Type to search'}
      onChange={(e) => {
        setText(e.detail.value);
        const hit = options.find((o) => o.id === e.detail.value);
        if (hit) {
          setText(hit.label);
          props.onChange(hit);
        } else if (!e.detail.value) props.onChange(undefined);
      }}
      onLoadItems={(e) => void load(e.detail.filteringText)}
      options={options.map((o) => ({ value: o.id, label: o.label }))}
      statusType={status}
      loadingText="Searching"
      errorText="Search failed"
      empty="Nothing found"
      enteredTextLabel={(v) => `Use “${v}”`}
      filteringType="manual"
    />
  );
}

/** Several picks (CIs of a ticket): a typeahead and the chosen ones as removable tokens. */
export function MultiPicker(props: {
  kind: Kind;
  value: Picked[];
  onChange: (v: Picked[]) => void;
  ariaLabel: string;
}) {
  const [key, setKey] = useState(0);
  return (
    <>
      <Picker
        key={key}
        kind={props.kind}
        value={undefined}
        ariaLabel={props.ariaLabel}
        onChange={(v) => {
          if (v && !props.value.some((x) => x.id === v.id)) props.onChange([...props.value, v]);
          setKey((k) => k + 1);
        }}
      />
      <TokenGroup
        items={props.value.map((v) => ({ label: v.label, dismissLabel: `Remove ${v.label}` }))}
        onDismiss={(e) => props.onChange(props.value.filter((_, i) => i !== e.detail.itemIndex))}
      />
    </>
  );
}
