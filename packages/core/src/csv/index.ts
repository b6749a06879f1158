export {
  CsvRecordReader,
  type CsvRecordSink,
  type CsvSyntaxOptions,
  parseCsvRecords,
} from './csv-records.js';
