import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/mlinfra-error.js';
import { CsvRecordReader, type CsvRecordSink, parseCsvRecords } from './csv-records.js';

const fields = (text: string, options = {}) => parseCsvRecords(text, options).map((r) => r.fields);

describe('CsvRecordReader', () => {
  it('reads quoted fields, doubled quotes, CRLF, newlines in quotes, a BOM and blank lines', () => {
    expect(fields('\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\n"multi\nline",\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', null],
    ]);
    expect(parseCsvRecords('a\n"1\n2"\n3').map((record) => record.line)).toEqual([1, 2, 4]);
  });

  it('refuses what RFC 4180 does not allow, naming the line and column', () => {
    const refused = (text: string, pattern: RegExp) => {
      let error: unknown;
      try {
        fields(text, { source: 'upload.csv' });
      } catch (caught) {
        error = caught;
      }
      expect(ValidationError.isInstance(error), text).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    };
    // Three lines must not silently become two rows.
    refused(
      'a,b\n1,"hello\n2,"wor"ld"',
      /upload\.csv line 3, column 4: text after the closing quote/,
    );
    refused('a\nab"cd', /line 2, column 3: a quote inside a field/);
    refused('a\n"x"y', /line 2, column 4: text after the closing quote/);
    refused('a\n"open', /ends inside a quoted field/);
  });

  it('reads the same input literally with relaxQuotes', () => {
    expect(fields('a\nab"cd\n"x"y', { relaxQuotes: true })).toEqual([['a'], ['ab"cd'], ['xy']]);
  });

  it('gives the same records whatever the pieces the text arrives in', () => {
    const cell = fc.oneof(
      fc.constant(''),
      fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é') }),
    );
    const quote = (value: string) =>
      value === '' || /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (rows, cuts, crlf) => {
          const text = rows.map((row) => row.map(quote).join(',')).join(crlf ? '\r\n' : '\n');
          const reader = new CsvRecordReader();
          const seen: Array<Array<string | null>> = [];
          const sink: CsvRecordSink = (record) => {
            seen.push(record);
          };
          let at = 0;
          for (const cut of cuts) {
            reader.push(text.slice(at, at + cut), sink);
            at += cut;
          }
          reader.push(text.slice(at), sink);
          reader.end(sink);
          // Quoted empty strings stay '' (never null), so every row round-trips.
          expect(seen).toEqual(rows.map((row) => row.map((value) => value)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
