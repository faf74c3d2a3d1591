#!/usr/bin/env node
// `npx itsm ...`: command-line helpers for the local platform (TypeScript loaded through tsx).
import { register } from 'tsx/esm/api';

register();
await import('../infra/local/cli.ts');
