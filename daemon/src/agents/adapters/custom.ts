import { type AgentAdapter, type AgentEvent, asRecord, clipJson, isEventKind, outputEvent, parseJsonObject, substitutePromptFile } from './types.ts';

/** A custom event's data is the tool's own structure; past this many characters it becomes a preview. */
const maxCustomDataChars = 64 * 1024;

/**
 * Any command from config.json `agents` or SU_AGENT_COMMAND. It gets the prompt through
 * `{promptFile}` (and SU_MISSION_PROMPT_FILE); each stdout line is `agent.output`, except a JSON
 * object with a valid `kind`, which is that event (`data` if it is an object, else the other fields).
 */
export const customAdapter: AgentAdapter = {
  name: 'custom',
  canResume: () => false, // a plain command has no session flag to give it
  invocation(command, { promptFile }) {
    return { argv: substitutePromptFile(command, promptFile) };
  },
  parseLine(line): AgentEvent[] {
    const obj = parseJsonObject(line);
    if (!obj || !isEventKind(obj.kind)) return [outputEvent(line)];
    const { kind, data, ...rest } = obj;
    const record = asRecord(data) ?? (data === undefined ? rest : { ...rest, data });
    return [{ kind, data: clipJson(record, maxCustomDataChars) as Record<string, unknown> }];
  },
};
