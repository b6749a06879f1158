// @mlinfra/cost budgets: concurrent charges against one budget through the core store's
// compare-and-set refs, against what a user would otherwise write: a JSON file read, updated
// and written back (atomically, by rename) with no compare-and-set. Prints charges/s and how many
// charges each approach kept. BENCH_QUICK=1: fewer charges.
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '@mlinfra/core';
import { createBudget, money } from '@mlinfra/cost';

const quick = process.env.BENCH_QUICK === '1';
const charges = quick ? 200 : 1000;
const workers = 8;
const amount = money('0.37', 'USD');

const root = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'mlinfra-bench-cost-'));
try {
  // Ours: each worker has its own store handle (as separate processes would).
  const budgets = await Promise.all(
    Array.from({ length: workers }, () =>
      createBudget({
        store: createStore(join(root, 'store')),
        name: 'bench',
        limit: money(1_000_000, 'USD'),
      }),
    ),
  );
  let start = process.hrtime.bigint();
  await Promise.all(
    budgets.map(async (budget, worker) => {
      for (let index = worker; index < charges; index += workers) await budget.charge({ amount });
    }),
  );
  const oursSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const status = await budgets[0]!.status();

  // Ours, one process: the same callers share one handle (a server charging per request), so
  // charges made while a write is in flight go out together in the next one.
  const shared = await createBudget({
    store: createStore(join(root, 'store')),
    name: 'bench-shared',
    limit: money(1_000_000, 'USD'),
  });
  start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let index = worker; index < charges; index += workers) await shared.charge({ amount });
    }),
  );
  const sharedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const sharedStatus = await shared.status();

  // Plain: read-modify-write of a JSON file, float dollars, atomic rename, no compare-and-set.
  const file = join(root, 'budget.json');
  await writeFile(file, JSON.stringify({ spent: 0, charges: 0 }));
  start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let index = worker; index < charges; index += workers) {
        const state = JSON.parse(await readFile(file, 'utf8')) as {
          spent: number;
          charges: number;
        };
        state.spent += 0.37;
        state.charges += 1;
        const temporary = `${file}.${worker}.tmp`;
        await writeFile(temporary, JSON.stringify(state));
        await rename(temporary, file);
      }
    }),
  );
  const plainSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const plain = JSON.parse(await readFile(file, 'utf8')) as { spent: number; charges: number };

  const expected = (charges * amount.micros) / 1e6;
  console.log(`budget: ${charges} charges of 0.37 USD from ${workers} concurrent writers`);
  console.log(
    `  @mlinfra/cost budget (store refs, compare-and-set): ${(charges / oursSeconds).toFixed(0)} charges/s; kept ${status.charges}/${charges}; spent ${(status.spent.micros / 1e6).toFixed(6)} USD (expected ${expected.toFixed(6)})`,
  );
  console.log(
    `  @mlinfra/cost budget, one shared handle:            ${(charges / sharedSeconds).toFixed(0)} charges/s; kept ${sharedStatus.charges}/${charges}; spent ${(sharedStatus.spent.micros / 1e6).toFixed(6)} USD`,
  );
  console.log(
    `  plain JSON file read-modify-write:                   ${(charges / plainSeconds).toFixed(0)} charges/s; kept ${plain.charges}/${charges}; spent ${plain.spent} USD`,
  );
  console.log(
    `  ratio throughput ours/plain: ${(plainSeconds / oursSeconds).toFixed(2)}x separate handles, ${(plainSeconds / sharedSeconds).toFixed(2)}x one handle; charges lost: ours ${charges - status.charges} and ${charges - sharedStatus.charges}, plain ${charges - plain.charges}`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
