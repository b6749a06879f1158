// Child process for budget.test.ts: charges one budget `count` times and prints the alert
// thresholds this process fired. Imports the built package (a self-reference), so run a build first.
import { createStore } from '@mlinfra/core';
import { createBudget, money } from '@mlinfra/cost';

const [folder, name, count] = process.argv.slice(2);
const fired = [];
const budget = await createBudget({
  store: createStore(folder),
  name,
  limit: money(100, 'USD'),
  onAlert: (alert) => {
    fired.push(alert.threshold);
  },
});
for (let index = 0; index < Number(count); index++) {
  await budget.charge({ amount: money('2.50', 'USD'), resource: `process-${process.pid}` });
}
process.stdout.write(JSON.stringify(fired));
