import type { FieldError } from '../../../shared/kit/errors';

/** Attribute schema of a CI type (FitSM PR11.1: CI types and their attributes are defined). */
export const ATTRIBUTE_KINDS = ['string', 'number', 'boolean', 'date', 'enum'] as const;
export type AttributeKind = (typeof ATTRIBUTE_KINDS)[number];

export interface AttributeSpec {
  name: string;
  type: AttributeKind;
  required: boolean;
  /** For `enum` (required) and `string` (optional restriction). */
  allowedValues?: string[];
  description?: string;
}

export interface CiType {
  typeId: string;
  name: string;
  description?: string;
  attributes: AttributeSpec[];
  version: number;
}

/** How a relationship type propagates impact: who depends on whom when an edge A -> B exists. */
export const DEPENDENCY_DIRECTIONS = [
  'source-depends-on-target',
  'target-depends-on-source',
  'mutual',
  'none',
] as const;
export type DependencyDirection = (typeof DEPENDENCY_DIRECTIONS)[number];

export interface RelationshipType {
  typeId: string;
  name: string;
  /** Reading of the edge from the target's side, e.g. `hosted-by` for `hosts`. */
  inverseName: string;
  dependency: DependencyDirection;
  builtIn: boolean;
}

/** The relationship types every CMDB has (FitSM PR11.1); user-defined ones are added by API. */
export const BUILT_IN_RELATIONSHIP_TYPES: readonly RelationshipType[] = [
  {
    typeId: 'depends-on',
    name: 'depends on',
    inverseName: 'is depended on by',
    dependency: 'source-depends-on-target',
    builtIn: true,
  },
  { typeId: 'runs-on', name: 'runs on', inverseName: 'runs', dependency: 'source-depends-on-target', builtIn: true },
  {
    typeId: 'hosts',
    name: 'hosts',
    inverseName: 'is hosted by',
    dependency: 'target-depends-on-source',
    builtIn: true,
  },
  { typeId: 'connects-to', name: 'connects to', inverseName: 'is connected from', dependency: 'mutual', builtIn: true },
  {
    typeId: 'part-of',
    name: 'is part of',
    inverseName: 'has part',
    dependency: 'target-depends-on-source',
    builtIn: true,
  },
  // A release package and the CIs it deploys (FitSM PR13): a record of content, not a dependency.
  { typeId: 'deploys', name: 'deploys', inverseName: 'is deployed by', dependency: 'none', builtIn: true },
];

/**
 * The CI type of release packages (FitSM PR13: "the package is recorded in the CMDB"), defined by
 * the CMDB itself the first time a package is recorded. `items` lists one line per CI version the
 * package deploys: `<CI number or id> <ciId> version <v> artifact <ref> checksum <sum>`.
 */
export const RELEASE_PACKAGE_TYPE: Omit<CiType, 'version'> = {
  typeId: 'release-package',
  name: 'Release package',
  description: 'A release package: exactly the CI versions a release deploys, from the definitive media library.',
  attributes: [
    { name: 'packageId', type: 'string', required: true },
    { name: 'releaseId', type: 'string', required: true },
    { name: 'release', type: 'string', required: true, description: 'The release number (REL-n).' },
    { name: 'itemCount', type: 'number', required: true },
    {
      name: 'items',
      type: 'string',
      required: true,
      description: 'One line per CI version: CI, version, artifact (from the definitive media library), checksum.',
    },
  ],
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Validate a CI's attributes against its type: required, kinds, allowed values, unknown names. */
export function validateAttributes(type: CiType, attributes: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const specs = new Map(type.attributes.map((a) => [a.name, a]));
  for (const spec of type.attributes) {
    const value = attributes[spec.name];
    const field = `attributes.${spec.name}`;
    if (value === undefined || value === null || value === '') {
      if (spec.required) errors.push({ field, message: `is required by CI type ${type.typeId}` });
      continue;
    }
    switch (spec.type) {
      case 'string':
        if (typeof value !== 'string') errors.push({ field, message: 'must be a string' });
        else if (spec.allowedValues?.length && !spec.allowedValues.includes(value)) {
          errors.push({ field, message: `must be one of ${spec.allowedValues.join(', ')}` });
        }
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) errors.push({ field, message: 'must be a number' });
        break;
      case 'boolean':
        if (typeof value !== 'boolean') errors.push({ field, message: 'must be true or false' });
        break;
      case 'date':
        if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
          errors.push({ field, message: 'must be an ISO 8601 date' });
        }
        break;
      case 'enum':
        if (typeof value !== 'string' || !(spec.allowedValues ?? []).includes(value)) {
          errors.push({ field, message: `must be one of ${(spec.allowedValues ?? []).join(', ')}` });
        }
        break;
    }
  }
  for (const name of Object.keys(attributes)) {
    if (!specs.has(name))
      errors.push({ field: `attributes.${name}`, message: `is not an attribute of CI type ${type.typeId}` });
  }
  return errors;
}

/** Rules on the attribute schema itself. */
export function validateAttributeSpecs(specs: AttributeSpec[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  specs.forEach((s, i) => {
    if (seen.has(s.name)) errors.push({ field: `attributes.${i}.name`, message: 'is declared twice' });
    seen.add(s.name);
    if (s.type === 'enum' && !(s.allowedValues && s.allowedValues.length > 0)) {
      errors.push({ field: `attributes.${i}.allowedValues`, message: 'is required for enum attributes' });
    }
    if (s.allowedValues && s.type !== 'enum' && s.type !== 'string') {
      errors.push({ field: `attributes.${i}.allowedValues`, message: 'only applies to string and enum attributes' });
    }
  });
  return errors;
}

/**
 * Changing a type must not silently invalidate CIs: a new attribute may only be required if
 * existing CIs were given it, which we cannot know without reading them all, so it is refused.
 */
export function validateTypeChange(before: CiType, after: AttributeSpec[]): FieldError[] {
  const old = new Map(before.attributes.map((a) => [a.name, a]));
  const errors: FieldError[] = [];
  after.forEach((a, i) => {
    const prev = old.get(a.name);
    if (a.required && !prev?.required) {
      errors.push({
        field: `attributes.${i}.required`,
        message:
          'an attribute can only be made required when the type is created; add it as optional, fill it, then verify',
      });
    }
    if (prev && prev.type !== a.type)
      errors.push({ field: `attributes.${i}.type`, message: 'cannot change the kind of an existing attribute' });
  });
  return errors;
}
