// Child process for budget.test.ts: charges one budget `count` times and prints the alert
// thresholds this process fired. Runs from source (node --import tsx), so no build is needed.
import { createStore } from '@mlinfra/core';
import { money } from '../../money/money.js';
import { createBudget } from '../budget.js';

const [folder, name, count] = process.argv.slice(2);
const fired: number[] = [];
const budget = await createBudget({
  store: createStore(folder!),
  name: name!,
  limit: money(100, 'USD'),
  onAlert: (alert) => {
    fired.push(alert.threshold);
  },
});
for (let index = 0; index < Number(count); index++) {
  await budget.charge({ amount: money('2.50', 'USD'), resource: `process-${process.pid}` });
}
process.stdout.write(JSON.stringify(fired));
