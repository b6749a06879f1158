import { readFile } from 'node:fs/promises';

/** One compiled TypeScript block of a README. */
export interface ReadmeBlock {
  /** Path of the README. */
  readme: string;
  /** 1-based line of the block's first code line in the README. */
  line: number;
  /** The code between the fences. */
  code: string;
}

/**
 * The ```ts (or ```typescript) blocks of README text with the line each starts on. A fence with
 * more words (```ts fragment) marks a deliberate fragment and is left out.
 */
export function blocksOf(readme: string, text: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const fence = /^```(.*)$/.exec(lines[index] as string);
    if (fence === null) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end === -1) throw new Error(`${readme}:${index + 1}: code fence is never closed`);
    const info = (fence[1] as string).trim();
    if (info === 'ts' || info === 'typescript') {
      blocks.push({ readme, line: index + 2, code: lines.slice(index + 1, end).join('\n') });
    }
    index = end;
  }
  return blocks;
}

/** The compiled TypeScript blocks of the README at `readme`, in order. */
export async function readmeBlocks(readme: string): Promise<ReadmeBlock[]> {
  return blocksOf(readme, await readFile(readme, 'utf8'));
}
