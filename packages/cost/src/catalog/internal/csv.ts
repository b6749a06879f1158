import { parseCsvRecords } from '@mlinfra/core/schema';

/** One parsed CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * A catalog's CSV records, read by core's RFC 4180 reader (the one every mlinfra package uses),
 * with empty fields as `''`.
 */
export function parseCsv(text: string): CsvRecord[] {
  return parseCsvRecords(text, { source: 'The catalog CSV' }).map(({ fields, line }) => ({
    line,
    fields: fields.map((field) => field ?? ''),
  }));
}
