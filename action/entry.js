#!/usr/bin/env node
// The GitHub Action's entry (action.yml): runs the TypeScript straight from src/ with tsx, like bin/migrate-help.js.
// Once a built dist/ exists this becomes a node20 action pointing at the built file.
import { register } from 'tsx/esm/api';

register();
await import('../src/action/main.ts');
