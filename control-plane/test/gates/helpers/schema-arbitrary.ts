import fc from 'fast-check';

/** The subset of JSON Schema our OpenAPI document uses (generated from the zod schemas). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

/** Ids the fuzzer may use: real ones of the test data (so requests reach the services) and strangers. */
export interface IdPool {
  ids: string[];
  /** Weight of a well-formed value against 1 for a hostile one, at each node (default 6). */
  validWeight?: number;
}

/**
 * Strings a hostile caller sends: text PostgreSQL refuses, script URLs, path tricks, SQL, very
 * long text, odd Unicode, numbers-as-text. Kept short-ish so cases stay fast.
 */
export const hostileString = fc.oneof(
  fc.constantFrom(
    '\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\ud83d', '🦄'.repeat(3), '\uFEFF', '\u202E', '',
    ' ', '../../etc/passwd', '..\\..\\', '%00', '%2e%2e/', 'javascript:alert(1)', 'https://127.0.0.1/',
    "'; DROP TABLE missions; --", '${7*7}', '<script>alert(1)</script>', '-main', '@{-1}', 'main.lock',
    '9'.repeat(40), '-1', 'NaN', 'Infinity', 'null', 'true', '{}', '[]', '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z', '1970-01-01T00:00:00Z', 'x'.repeat(600), '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, 2 ** 63, 1e308, -1e308, 1e-300, 0.5, -0.0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, including deep nesting and hostile strings. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString, hostileNumber, fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
}

/**
 * Values of `schema`: mostly valid-shaped (so they get past validation and reach services and
 * the database), with hostile leaves and, at every level, a chance of something else entirely
 * (wrong type, missing required field, unknown field).
 */
export function arbitraryOf(schema: JsonSchema, pool: IdPool, depth = 0): fc.Arbitrary<unknown> {
  const valid = validShaped(schema, pool, depth);
  return fc.oneof({ weight: pool.validWeight ?? 6, arbitrary: valid }, { weight: 1, arbitrary: depth > 3 ? hostileString : hostileJson });
}

function validShaped(schema: JsonSchema, pool: IdPool, depth: number): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => arbitraryOf(s, pool, depth + 1)));
  if (schema.enum) return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: hostileString });
  const base = (() => {
    switch (typeOf(schema)) {
      case 'object':
        return objectOf(schema, pool, depth);
      case 'array':
        return fc.array(arbitraryOf(schema.items ?? {}, pool, depth + 1), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
      case 'integer':
        return fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: Math.max(schema.minimum ?? -1000, -(2 ** 31)), max: Math.min(schema.maximum ?? 1000, 2 ** 31 - 1) }) },
          { weight: 1, arbitrary: hostileNumber },
        );
      case 'number':
        return fc.oneof(
          { weight: 4, arbitrary: fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }) },
          { weight: 1, arbitrary: hostileNumber },
        );
      case 'boolean':
        return fc.boolean();
      case 'string':
        return stringOf(schema, pool);
      default:
        return hostileJson;
    }
  })();
  return schema.nullable ? fc.option(base, { nil: null, freq: 5 }) : base;
}

function stringOf(schema: JsonSchema, pool: IdPool): fc.Arbitrary<string> {
  if (schema.pattern === '^[0-9A-HJKMNP-TV-Z]{26}$') return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pool.ids) }, { weight: 1, arbitrary: hostileString });
  if (schema.pattern) {
    const matching = fc.stringMatching(new RegExp(schema.pattern), { size: 'small' }).filter((x) => x.length <= (schema.maxLength ?? 200));
    return fc.oneof({ weight: 4, arbitrary: matching }, { weight: 1, arbitrary: hostileString });
  }
  if (schema.format === 'date-time') {
    return fc.oneof(
      fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      hostileString,
    );
  }
  if (schema.format === 'email') return fc.oneof(fc.emailAddress(), hostileString);
  if (schema.format === 'uri') return fc.oneof(fc.webUrl(), hostileString);
  const max = Math.min(schema.maxLength ?? 60, 60);
  const plain = fc.string({ minLength: Math.min(schema.minLength ?? 0, max), maxLength: max, unit: 'grapheme' });
  return fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: hostileString });
}

function objectOf(schema: JsonSchema, pool: IdPool, depth: number): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, s] of Object.entries(props)) record[k] = arbitraryOf(s, pool, depth + 1);
  const requiredKeys = Object.keys(props).filter((k) => required.has(k));
  const shaped = fc.record(record, { requiredKeys });
  // Sometimes a required field is missing, sometimes an unknown one rides along.
  return fc.oneof(
    { weight: (pool.validWeight ?? 6) + 2, arbitrary: shaped },
    { weight: 1, arbitrary: shaped.map((o) => { const c = { ...(o as object) } as Record<string, unknown>; delete c[requiredKeys[0] ?? '']; return c; }) },
    { weight: 1, arbitrary: fc.tuple(shaped, hostileString, hostileJson).map(([o, k, v]) => ({ ...(o as object), [k]: v })) },
  );
}
