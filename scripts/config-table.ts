/**
 * Prints the configuration reference as a Markdown table (pasted into the
 * README; test/core/readme.test.ts checks the README documents every option).
 *   npx tsx scripts/config-table.ts
 */
import { configSchema, OPTIONS } from '../src/server/config.js';

const defaults = configSchema.parse({}) as Record<string, unknown>;
const show = (v: unknown) => (v === undefined ? '—' : Array.isArray(v) ? (v.length ? v.join(',') : '(empty)') : String(v));
console.log('| option (config file) | environment variable | default | what it does |');
console.log('|---|---|---|---|');
for (const [key, { env, doc }] of Object.entries(OPTIONS)) {
  const d = key === 'instanceId' ? 'host name' : show(defaults[key]);
  console.log(`| \`${key}\` | \`${env}\` | \`${d}\` | ${doc} |`);
}
