import { getColumns } from 'drizzle-orm';
import { GraphQLInputObjectType, GraphQLObjectType, getNamedType, getNullableType } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  CITATION_BOOKKEEPING_COLUMNS,
  CITATION_FIELDS,
  EDITABLE_CITATION_FIELDS,
} from '../../src/citation/fields.ts';
import { PREVIEW_FIELDS, previewCitation } from '../../src/citation/preview.ts';
import type { MappedCitation } from '../../src/citation/types.ts';
import { citations } from '../../src/db/schema.ts';
import { exportRecordFromMapped } from '../../src/export/record.ts';
import { EXPORT_CITATION_COLUMNS } from '../../src/export/service.ts';
import { mapRecord } from '../../src/ris/map.ts';
import { parseRis } from '../../src/ris/parse.ts';
import { schema } from '../../src/schema/index.ts';

/*
 * The citations table drives the model: a column that is forgotten in the field list, or a field
 * that misses one of the places fields go, fails here (and the compiler checks the first as well).
 */

const names = (list: ReadonlyArray<{ name: string }>) => list.map((f) => f.name);

const mapped = mapRecord(
  parseRis('TY  - JOUR\nTI  - A paper\nAU  - Wang, Xiaohua\nPY  - 2019\nER  - \n').records[0] as never,
).citation as MappedCitation;

function objectType(name: string): GraphQLObjectType {
  const type = schema.getType(name);
  if (!(type instanceof GraphQLObjectType)) throw new Error(`${name} is not an object type`);
  return type;
}

describe('the citation model follows the citations table', () => {
  it('lists every column of citations as a field or as bookkeeping, once', () => {
    const columns = Object.keys(getColumns(citations)).sort();
    const listed = [...names(CITATION_FIELDS), ...CITATION_BOOKKEEPING_COLUMNS];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(columns);
  });

  it('offers every editable field in UpdateCitationInput with its description, and nothing else', () => {
    const input = schema.getType('UpdateCitationInput');
    expect(input).toBeInstanceOf(GraphQLInputObjectType);
    const fields = (input as GraphQLInputObjectType).getFields();
    expect(Object.keys(fields).sort()).toEqual(names(EDITABLE_CITATION_FIELDS).sort());
    for (const f of EDITABLE_CITATION_FIELDS) {
      // The schema appends each input's length bound (src/schema/input-limits.ts).
      expect(fields[f.name]?.description?.startsWith(f.edit)).toBe(true);
      expect(String(fields[f.name]?.type)).toBe(f.kind === 'year' ? 'Int' : 'String');
    }
  });

  it('puts every field in the export record, from the database and from a mapped record', () => {
    expect(Object.keys(EXPORT_CITATION_COLUMNS).sort()).toEqual(['id', ...names(CITATION_FIELDS)].sort());
    expect(Object.keys(exportRecordFromMapped(mapped).citation).sort()).toEqual(
      ['id', ...names(CITATION_FIELDS)].sort(),
    );
  });

  it('exposes every field on Citation with its description (the date precision is in `date`)', () => {
    const fields = objectType('Citation').getFields();
    for (const f of CITATION_FIELDS) {
      if (f.kind === 'datePrecision') continue;
      expect(fields[f.name], f.name).toBeDefined();
      expect(fields[f.name]?.description, f.name).toBe(f.description);
    }
  });

  it('shows every field but the raw tags and the date precision in a dry run preview', () => {
    const fields = objectType('CitationPreview').getFields();
    expect(names(PREVIEW_FIELDS).sort()).toEqual(
      names(CITATION_FIELDS.filter((f) => f.kind !== 'tags' && f.kind !== 'datePrecision')).sort(),
    );
    for (const f of PREVIEW_FIELDS) {
      expect(fields[f.name]?.description, f.name).toBe(f.description);
      // Same type as on Citation, so a client reads both alike.
      expect(String(fields[f.name]?.type), f.name).toBe(
        String(objectType('Citation').getFields()[f.name]?.type),
      );
    }
    expect(Object.keys(previewCitation(mapped).fields).sort()).toEqual(names(PREVIEW_FIELDS).sort());
    expect(getNamedType(getNullableType(fields.contributors?.type))?.toString()).toBe(
      'CitationPreviewContributor',
    );
  });
});
