#!/usr/bin/env node
// Loads the TypeScript sources through tsx (the same loader the tests and `npm start` use).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
