import type { Table } from 'apache-arrow';
import type { TableInput } from '../drift/src/index.ts';

declare const t: Table;
export const input: TableInput = t;
