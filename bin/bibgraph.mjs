#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the bin works without a build step on Node 20.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
