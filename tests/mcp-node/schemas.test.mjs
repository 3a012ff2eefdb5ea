// schemas.test.mjs - every tool's inputSchema and outputSchema, as `pdbridge mcp
// --enable-write-tools` lists them, compiles as JSON Schema 2020-12 under Ajv's
// strict mode, holds no $ref, and every default it states validates against
// its own property. Environment as sdk-client.test.mjs (PDBRIDGE_BIN and the
// PagerDuty settings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const BIN = process.env.PDBRIDGE_BIN;

async function listTools(args) {
  const client = new Client({ name: 'pdbridge-schema-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: BIN, args: ['mcp', ...args],
                                                  env: process.env, stderr: 'ignore' }));
  try {
    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  } finally {
    await client.close();
  }
}

// Every (sub)schema that states a default, with the default.
function* defaults(schema, path) {
  if (schema && typeof schema === 'object') {
    if (Object.hasOwn(schema, 'default') && !Array.isArray(schema))
      yield [path, schema];
    for (const [k, v] of Object.entries(schema))
      yield* defaults(v, `${path}/${k}`);
  }
}

test('every schema is valid JSON Schema 2020-12 without $ref', async () => {
  const tools = await listTools(['--enable-write-tools']);
  assert.ok(tools.length > 0);
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  addFormats(ajv);
  for (const t of tools) {
    for (const key of ['inputSchema', 'outputSchema']) {
      const schema = t[key];
      assert.ok(schema, `${t.name} has no ${key}`);
      assert.ok(!JSON.stringify(schema).includes('$ref'), `${t.name} ${key} uses $ref`);
      assert.ok(!JSON.stringify(schema).includes('$defs'), `${t.name} ${key} uses $defs`);
      assert.doesNotThrow(() => ajv.compile(schema), `${t.name} ${key}`);
    }
    for (const [path, sub] of defaults(t.inputSchema, '')) {
      const { default: value, ...rest } = sub;
      assert.ok(ajv.validate(rest, value), `${t.name} ${path}: default ${JSON.stringify(value)}`);
    }
  }
});
