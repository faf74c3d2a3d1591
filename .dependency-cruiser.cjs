/**
 * Layering rules (STYLE.md points 1-3, ARCHITECTURE §3). `npm run check` fails on any violation.
 * Packages are resolved but not followed (`doNotFollow`, not `exclude`): a rule about a package
 * must see the import, so package rules match the resolved path `node_modules/<package>/`
 * (node_modules may be a symlink that resolves elsewhere, hence no anchor).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-service-imports-another',
      comment: "Services talk through events and APIs, never through each other's code.",
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/([^/]+)/', pathNot: '^services/$1/' },
    },
    {
      name: 'only-adapters-touch-the-aws-sdk',
      comment:
        'Runtime code reaches AWS only through the kit adapters (store and store/, events, flows, relay, mail, secrets, database, objects); tests may inspect.',
      severity: 'error',
      from: {
        path: '^(services|shared)/',
        pathNot: [
          '^shared/kit/(store|events|flows|relay|mail|secrets|database|objects)\\.ts$',
          '^shared/kit/store/',
          '(^|/)test/',
        ],
      },
      to: { path: 'node_modules/(@aws-sdk/|@aws-lambda-powertools/parameters/)' },
    },
    {
      name: 'runtime-never-imports-cdk',
      comment: 'Lambda code and the local runtime must not pull in aws-cdk-lib.',
      severity: 'error',
      from: { path: '^(services|shared|infra/local|infra/api)/' },
      to: { path: ['node_modules/(aws-cdk-lib|constructs|cdk-nag)/', '^infra/aws/'] },
    },
    {
      name: 'shared-holds-no-business-logic',
      comment: 'shared/ is contracts and a runtime kit; it never depends on a service.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^services/' },
    },
    {
      name: 'domain-is-pure',
      comment:
        'Domain code depends on nothing but other domain code, the pure JSON and time-zone helpers, and type-only kit imports.',
      severity: 'error',
      from: { path: '^services/[^/]+/domain/' },
      to: { pathNot: '^(services/[^/]+/domain/|shared/kit/(json|zones)\\.ts$)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(services|shared)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(cdk\\.out|\\.itsm)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.json'] },
  },
};
