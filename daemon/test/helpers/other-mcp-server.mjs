// A stdio MCP server that is not ours (a user's or a repository's own), for tests that check
// which servers an agent CLI connects to: one tool, `other_tool`, which answers "other".
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'other', version: '1.0.0' });
server.registerTool('other_tool', { description: 'Not a mission tool' }, async () => ({ content: [{ type: 'text', text: 'other' }] }));
await server.connect(new StdioServerTransport());
