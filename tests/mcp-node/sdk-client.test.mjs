// sdk-client.test.mjs - the official TypeScript SDK's Client against pdbridge:
// `pdbridge mcp` over stdio and `pdbridge serve` over Streamable HTTP, under
// every protocol version pdbridge supports: initialize, tools/list, tools/call.
//
// The SDK always offers its latest version, so each run rewrites the version
// in the initialize request it sends; the SDK then follows what the server
// negotiated (including the MCP-Protocol-Version header on HTTP).
// Environment: PDBRIDGE_BIN (the binary), and the PagerDuty settings pointing
// at the simulator (PAGERDUTY_API_HOST, PAGERDUTY_USER_API_KEY, PDBRIDGE_CA_FILE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const BIN = process.env.PDBRIDGE_BIN;
const VERSIONS = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'];
const EXPECTED_TOOL = 'get_user_data';

function pinVersion(transport, version) {
  const send = transport.send.bind(transport);
  transport.send = (msg, opts) => {
    if (msg.method === 'initialize')
      msg = { ...msg, params: { ...msg.params, protocolVersion: version } };
    return send(msg, opts);
  };
  return transport;
}

async function exercise(transport, version) {
  const client = new Client({ name: 'pdbridge-sdk-test', version: '1.0.0' });
  await client.connect(pinVersion(transport, version));
  try {
    // a drop-in: the official server's name (its version is pdbridge's own)
    assert.equal(client.getServerVersion().name, 'PagerDuty MCP Server');
    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const names = tools.map((t) => t.name);
    assert.ok(names.includes(EXPECTED_TOOL), `tools/list lacks ${EXPECTED_TOOL}: ${names}`);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', `${t.name} inputSchema`);
      assert.ok(t.description, `${t.name} description`);
    }
    const res = await client.callTool({ name: EXPECTED_TOOL, arguments: {} });
    assert.notEqual(res.isError, true, JSON.stringify(res));
    const text = res.content.map((c) => c.text ?? '').join('');
    assert.match(text, /@example\.com/, 'the simulator\'s current user is named in the result');
    const bad = await client.callTool({ name: EXPECTED_TOOL, arguments: { user_id: 42 } })
      .catch((e) => ({ protocolError: e }));
    assert.ok(bad.protocolError || bad.isError, 'a wrongly typed argument is refused');
  } finally {
    await client.close();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHttp(url, proc) {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`pdbridge serve exited ${proc.exitCode}`);
    try {
      await fetch(url, { method: 'GET' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('pdbridge serve did not start listening');
}

for (const version of VERSIONS) {
  test(`stdio, protocol ${version}`, async () => {
    const transport = new StdioClientTransport({
      command: BIN, args: ['mcp'], env: process.env, stderr: 'pipe',
    });
    await exercise(transport, version);
  });
}

test('Streamable HTTP, every protocol version', async (t) => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mcp`;
  const proc = spawn(BIN, ['serve', '--listen', url], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  try {
    await waitForHttp(url, proc);
    for (const version of VERSIONS) {
      await t.test(`protocol ${version}`, async () => {
        await exercise(new StreamableHTTPClientTransport(new URL(url)), version);
      });
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    assert.ok(!stderr.includes(process.env.PAGERDUTY_USER_API_KEY), 'the API key leaked to stderr');
  }
});
