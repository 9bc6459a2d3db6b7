import type { FastifySchemaValidationError, SchemaErrorDataVar } from 'fastify/types/schema.js';
import { type RtsError, rtsError } from '../core/errors.js';

/**
 * One readable message for a request that fails its route's JSON schema
 * (fastify's `schemaErrorFormatter`), instead of Ajv's raw list: an `anyOf`
 * says what would be accepted ("topK must be an integer from 1 to 1000 or
 * "all" (got 0)"), an unknown property is named along with the allowed ones.
 * Ajv runs with `verbose` so each error carries its schema and data.
 */
interface AjvError extends FastifySchemaValidationError {
  schema?: unknown;
  parentSchema?: Record<string, unknown>;
  data?: unknown;
}

type Schema = Record<string, unknown>;

const WHERE: Record<SchemaErrorDataVar, string> = {
  body: 'the body',
  querystring: 'the query string',
  params: 'the URL',
  headers: 'the headers',
};

export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): RtsError {
  const all = errors as AjvError[];
  // Ajv reports an anyOf's failed branches before the anyOf itself: the anyOf says it all.
  const anyOf = all.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const error = anyOf ?? all[0];
  if (!error) return rtsError('INVALID_INPUT', `${WHERE[dataVar]} is not valid`);
  return rtsError('INVALID_INPUT', describe(error, dataVar), { details: { in: dataVar, path: fieldName(error.instancePath) || undefined } });
}

function describe(e: AjvError, dataVar: SchemaErrorDataVar): string {
  const field = fieldName(e.instancePath);
  const subject = field ? `${dataVar === 'body' ? '' : `${WHERE[dataVar]}: `}${field}` : WHERE[dataVar];
  const got = e.data === undefined ? '' : ` (got ${shown(e.data)})`;
  switch (e.keyword) {
    case 'anyOf':
    case 'oneOf': {
      const branches = Array.isArray(e.schema) ? (e.schema as Schema[]).map(kindOf) : [];
      return `${subject} must be ${branches.length ? branches.join(' or ') : 'of another form'}${got}`;
    }
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const allowed = Object.keys((e.parentSchema?.properties as Schema | undefined) ?? {});
      return `unknown property "${extra}" in ${field ? field : WHERE[dataVar]}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`;
    }
    case 'required':
      return `${field ? field : WHERE[dataVar]} needs the property "${String(e.params.missingProperty)}"`;
    case 'type':
      if (!field && dataVar === 'body')
        return `the body must be ${kindOf(e.parentSchema ?? {}).replace(/^an object$/, 'a JSON object')} (sent with Content-Type: application/json)`;
      return `${subject} must be ${kindOf(e.parentSchema ?? {})}${got}`;
    case 'enum':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'const':
      return `${subject} must be ${kindOf(e.parentSchema ?? {})}${got}`;
    default:
      return `${subject} ${e.message ?? 'is not valid'}${got}`;
  }
}

/** What a (small) schema accepts, in words: `an integer from 1 to 1000`, `"all"`, `a string`. */
export function kindOf(schema: Schema): string {
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' or ');
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(kindOf).join(' or ');
  const type = Array.isArray(schema.type) ? (schema.type as string[]).join(' or ') : String(schema.type ?? 'a value');
  const noun =
    (
      {
        integer: 'an integer',
        number: 'a number',
        string: 'a string',
        boolean: 'true or false',
        array: 'an array',
        object: 'an object',
        null: 'null',
      } as Record<string, string>
    )[type] ?? type;
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (min !== undefined) return `${noun} of at least ${min}`;
  if (max !== undefined) return `${noun} of at most ${max}`;
  if (type === 'array' && schema.items && typeof schema.items === 'object') return `an array of ${plural(kindOf(schema.items as Schema))}`;
  return noun;
}

function plural(kind: string): string {
  return kind.replace(/^an? (\w+)/, '$1s');
}

/** `/questions/0` → `questions[0]`; `/input/image` → `input.image`. */
function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .reduce((name, part) => {
      const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
      return /^\d+$/.test(key) ? `${name}[${key}]` : name ? `${name}.${key}` : key;
    }, '');
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
