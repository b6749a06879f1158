import { ValidationError } from '../errors/mlinfra-error.js';

/** How CSV text is split into records (RFC 4180 by default). */
export interface CsvSyntaxOptions {
  /** Field separator, one character other than a quote or newline. Default `','`. */
  delimiter?: string;
  /**
   * Accept quotes that RFC 4180 does not allow: a quote inside an unquoted field (`ab"cd`) is kept
   * as a character, and text after a closing quote (`"x"y`) is appended to the field. Default
   * false: both are a ValidationError naming the line and column.
   */
  relaxQuotes?: boolean;
  /** Name of the input in error messages, such as a file path. Default `'CSV input'`. */
  source?: string;
}

/**
 * Receives each record: its fields (null for an empty unquoted field, `''` for `""`) and the
 * 1-based line it starts on.
 */
export type CsvRecordSink = (fields: Array<string | null>, line: number) => void;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * A streaming RFC 4180 tokenizer: feed text in pieces of any size with {@link push}, then call
 * {@link end}. Quoted fields may hold delimiters, doubled quotes and newlines; records end with LF
 * or CRLF; a leading byte-order mark is skipped; blank lines are skipped. The one CSV reader of
 * every mlinfra package (datasets, cost catalogs, the CLI), so a file reads the same everywhere.
 */
export class CsvRecordReader {
  private readonly delimiter: number;
  private readonly relaxQuotes: boolean;
  private readonly source: string;
  private field = '';
  private quoted = false;
  private inQuotes = false;
  /** A field's closing quote was seen; only a delimiter or line end may follow (strict). */
  private closed = false;
  private record: Array<string | null> = [];
  private line = 1;
  private recordLine = 1;
  /** Characters consumed before the current piece, and where the current line started. */
  private consumed = 0;
  private lineStart = 0;
  private carry = '';
  private started = false;

  constructor(options: CsvSyntaxOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new ValidationError(
        `CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`,
      );
    }
    this.delimiter = delimiter.charCodeAt(0);
    this.relaxQuotes = options.relaxQuotes ?? false;
    this.source = options.source ?? 'CSV input';
  }

  private fail(absolute: number, problem: string, fix: string): never {
    throw new ValidationError(
      `${this.source} line ${this.line}, column ${absolute - this.lineStart + 1}: ${problem}; ${fix} (or read it with relaxQuotes: true)`,
    );
  }

  private endField(): void {
    this.record.push(this.field === '' && !this.quoted ? null : this.field);
    this.field = '';
    this.quoted = false;
    this.closed = false;
  }

  private endRecord(sink: CsvRecordSink): void {
    const record = this.record;
    this.record = [];
    if (!(record.length === 1 && record[0] === null)) sink(record, this.recordLine);
  }

  /** Feeds the next piece of text; `sink` gets every record completed by it. */
  push(piece: string, sink: CsvRecordSink): void {
    const text = this.carry + piece;
    const offset = this.consumed - this.carry.length;
    this.carry = '';
    let index = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) index = 1;
    }
    let start = index;
    const relax = this.relaxQuotes;
    for (; index < text.length; index++) {
      const char = text.charCodeAt(index);
      if (this.inQuotes) {
        if (char === QUOTE) {
          if (index + 1 === text.length) {
            // Whether this quote is doubled depends on the next piece: decide then.
            this.field += text.slice(start, index);
            this.carry = '"';
            start = text.length;
            break;
          }
          this.field += text.slice(start, index);
          if (text.charCodeAt(index + 1) === QUOTE) {
            this.field += '"';
            index++;
          } else {
            this.inQuotes = false;
            this.closed = true;
          }
          start = index + 1;
        } else if (char === LF) {
          this.line++;
          this.lineStart = offset + index + 1;
        }
        continue;
      }
      if (char === this.delimiter) {
        this.field += text.slice(start, index);
        this.endField();
        start = index + 1;
      } else if (char === LF) {
        this.field += text.slice(start, index);
        if (this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
        this.endField();
        this.endRecord(sink);
        this.line++;
        this.lineStart = offset + index + 1;
        this.recordLine = this.line;
        start = index + 1;
      } else if (this.closed) {
        if (char === CR && (index + 1 === text.length || text.charCodeAt(index + 1) === LF)) {
          continue;
        }
        if (!relax) {
          this.fail(
            offset + index,
            `text after the closing quote of a field (${JSON.stringify(text.slice(index, index + 10))})`,
            `put the whole field in quotes and double the quotes inside it ("say ""hi""")`,
          );
        }
        this.closed = false;
      } else if (char === QUOTE) {
        if (index === start && this.field === '' && !this.quoted) {
          this.inQuotes = true;
          this.quoted = true;
          start = index + 1;
        } else if (!relax) {
          this.fail(
            offset + index,
            'a quote inside a field that does not start with a quote',
            'quote the whole field and double the quote ("ab""cd")',
          );
        }
      }
    }
    if (start < text.length) this.field += text.slice(start);
    this.consumed = offset + text.length;
  }

  /** Ends the input: the last record (without a final newline) goes to `sink`. */
  end(sink: CsvRecordSink): void {
    if (this.carry === '"') {
      this.carry = '';
      this.inQuotes = false;
      this.closed = true;
    }
    if (this.inQuotes) {
      throw new ValidationError(
        `${this.source} ends inside a quoted field; close the quote that opens near line ${this.recordLine}`,
      );
    }
    if (this.field !== '' || this.record.length > 0 || this.quoted) {
      if (this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
      this.endField();
      this.endRecord(sink);
    }
  }
}

/** Every record of a CSV text, with the line each starts on. See {@link CsvRecordReader}. */
export function parseCsvRecords(
  text: string,
  options: CsvSyntaxOptions = {},
): Array<{ fields: Array<string | null>; line: number }> {
  const records: Array<{ fields: Array<string | null>; line: number }> = [];
  const reader = new CsvRecordReader(options);
  const sink: CsvRecordSink = (fields, line) => {
    records.push({ fields, line });
  };
  reader.push(text, sink);
  reader.end(sink);
  return records;
}
