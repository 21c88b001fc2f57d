#!/usr/bin/env node
// Runs the TypeScript CLI straight from src/ (no build step): tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main();
