import Checkbox from '@cloudscape-design/components/checkbox';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import type { Answer } from './page-kit';

export type CiType = Answer<'/v1/ci-types/{typeId}', 'get'>;
export type AttributeValue = string | number | boolean | null;

/**
 * The attribute fields of a CI, one per attribute its type declares (FitSM PR11.1), each with the
 * input its kind needs: text, a number, a yes/no box, a date, or one of the allowed values.
 * Values are kept as typed; an empty field is left out (or null on an edit, which clears it).
 */
export function AttributeFields({
  type,
  values,
  onChange,
}: {
  type: CiType;
  values: Record<string, AttributeValue>;
  onChange: (next: Record<string, AttributeValue>) => void;
}) {
  const set = (name: string, v: AttributeValue) => onChange({ ...values, [name]: v });
  return (
    <>
      {type.attributes.map((a) => {
        const v = values[a.name];
        const label = `${a.name}${a.required ? '' : ' (optional)'}`;
        const description = a.description;
        if (a.type === 'boolean')
          return (
            <FormField key={a.name} label={label} description={description}>
              <Checkbox checked={v === true} onChange={(e) => set(a.name, e.detail.checked)}>
                {a.name}
              </Checkbox>
            </FormField>
          );
        if (a.type === 'enum')
          return (
            <FormField key={a.name} label={label} description={description}>
              <Select
                selectedOption={typeof v === 'string' ? { value: v, label: v } : null}
                options={[
                  ...(a.required ? [] : [{ value: '', label: '(none)' }]),
                  ...(a.allowedValues ?? []).map((x) => ({ value: x, label: x })),
                ]}
                onChange={(e) => set(a.name, e.detail.selectedOption.value || null)}
                placeholder="Choose a value"
              />
            </FormField>
          );
        if (a.type === 'date')
          return (
            <FormField key={a.name} label={label} description={description} constraintText="YYYY/MM/DD">
              <DatePicker
                value={typeof v === 'string' ? v : ''}
                onChange={(e) => set(a.name, e.detail.value || null)}
                placeholder="YYYY/MM/DD"
                openCalendarAriaLabel={(d) => `Choose ${a.name}${d ? `, selected ${d}` : ''}`}
              />
            </FormField>
          );
        return (
          <FormField key={a.name} label={label} description={description}>
            <Input
              type={a.type === 'number' ? 'number' : 'text'}
              value={v === null || v === undefined ? '' : String(v)}
              onChange={(e) => {
                const text = e.detail.value;
                if (text === '') set(a.name, null);
                else set(a.name, a.type === 'number' ? Number(text) : text);
              }}
            />
          </FormField>
        );
      })}
    </>
  );
}

/** The values to send: null (cleared) values left out on create, kept on an edit (null clears). */
export const attributesToSend = (values: Record<string, AttributeValue>, edit: boolean) =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => edit || (v !== null && v !== undefined)));
