import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawChunk } from '../table/normalize.js';
import { inferCsvSchema, readCsv } from './csv.js';

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'datasets-csv-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function readAll(path: string, options = {}): Promise<RawChunk[]> {
  const chunks: RawChunk[] = [];
  for await (const chunk of readCsv(path, options)) chunks.push(chunk);
  return chunks;
}

describe('readCsv', () => {
  it('parses quoted fields, doubled quotes, CRLF, empty fields and blank lines', async () => {
    const path = join(folder, 'basic.csv');
    writeFileSync(path, 'a,b,c\r\n1,"x, y",\r\n\r\n2,"say ""hi""",""\r\n3,"multi\nline",z');
    const [chunk] = await readAll(path);
    expect(chunk).toEqual({
      length: 3,
      columns: { a: ['1', '2', '3'], b: ['x, y', 'say "hi"', 'multi\nline'], c: [null, '', 'z'] },
    });
  });

  it('handles a doubled quote split across two read pieces and chunks rows', async () => {
    const path = join(folder, 'boundary.csv');
    const header = 'id,text\n';
    const filler = 'x,y\n';
    const boundary = 1 << 20;
    const prefix = '1,"ab';
    // Place the first quote of a doubled quote at the last byte of the first 1 MiB read.
    const target = boundary - 1 - prefix.length;
    let body = header;
    while (target - body.length >= 8) body += filler;
    body += `${'q'.repeat(target - body.length - 3)},p\n`;
    body += prefix;
    expect(body.length).toBe(boundary - 1);
    body += '""cd"\n2,end\n';
    writeFileSync(path, body);
    const chunks = await readAll(path, { chunkRows: 100000 });
    const texts = chunks.flatMap((chunk) => chunk.columns.text as Array<string | null>);
    expect(texts).toContain('ab"cd');
    expect(texts.at(-1)).toBe('end');
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('names the line of a ragged row and rejects empty files', async () => {
    const ragged = join(folder, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    await expect(readAll(ragged)).rejects.toThrow(/line 3 .* has 1 fields but the header has 2/);
    const empty = join(folder, 'empty.csv');
    writeFileSync(empty, '');
    await expect(readAll(empty)).rejects.toThrow(/is empty/);
    await expect(readAll(join(folder, 'missing.csv'))).rejects.toThrow(/does not exist/);
  });
});

describe('inferCsvSchema', () => {
  it('infers int32, int64, float64, bool, timestamp and string, all nullable', () => {
    const schema = inferCsvSchema({
      length: 3,
      columns: {
        small: ['1', '-2', null],
        large: ['1', '9007199254740993', '3'],
        real: ['1.5', '2', '1e3'],
        flag: ['true', 'FALSE', 'true'],
        when: ['2024-01-01', '2024-01-02T03:04:05Z', null],
        text: ['a', '1', 'true'],
      },
    });
    expect(schema.columns.map((column) => [column.name, column.type, column.nullable])).toEqual([
      ['small', 'int32', true],
      ['large', 'int64', true],
      ['real', 'float64', true],
      ['flag', 'bool', true],
      ['when', 'timestamp', true],
      ['text', 'string', true],
    ]);
  });
});
