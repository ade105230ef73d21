#!/usr/bin/env node
// The demo's agent: no model, no API key. It does what a code agent does in a mission — reads its
// prompt, changes a file and keeps the mission docs — so `npm run demo` shows the whole loop on a
// fresh clone. Real agents (Claude Code, Codex, Gemini CLI) are found on PATH when no command is set.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const missionId = process.env.SU_MISSION_ID ?? 'unknown';
const prompt = readFileSync(process.argv[2], 'utf8');
const title = /^# Mission: (.*)$/m.exec(prompt)?.[1] ?? 'the mission';
const stage = /^## Current stage: (.*)$/m.exec(prompt)?.[1] ?? 'execute';
const docs = join('solo-unicorn-docs', 'missions', missionId);
mkdirSync(join(docs, 'tasks'), { recursive: true });

console.log(`demo agent: ${stage} stage of "${title}"`);
if (stage === 'execute') {
  writeFileSync('HELLO.md', `# Hello from Solo Unicorn\n\nWritten by the demo agent for mission ${missionId}: ${title}.\n`);
  writeFileSync(join(docs, 'tasks', '1.md'), '# Task 1\n\n- [x] write HELLO.md\n');
}
writeFileSync(join(docs, 'solution.md'), `# Solution\n\nWrite HELLO.md greeting the reader (${stage} stage done).\n`);
console.log('demo agent: done');
