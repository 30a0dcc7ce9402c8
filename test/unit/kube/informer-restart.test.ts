// restartAfterErrors: an informer that stops on an error is started again after the delay, once
// per burst of errors, and never after stop().
import { deepStrictEqual } from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { restartAfterErrors } from '../../../src/kube/informer-restart.js';

describe('restartAfterErrors', () => {
  const setup = () => {
    const informer = new EventEmitter();
    const starts: number[] = [];
    const restarts = restartAfterErrors(informer, 20, () => {
      starts.push(Date.now());
      return Promise.resolve();
    });
    return { informer, starts, restarts };
  };

  for (const burst of [1, 3])
    it(`starts the informer again once after the delay, not before, after ${burst === 1 ? 'one error' : 'a burst of errors'}`, async () => {
      const { informer, starts, restarts } = setup();
      for (let i = 0; i < burst; i++) informer.emit('error', new Error(`watch closed ${String(i)}`));
      deepStrictEqual(starts.length, 0);
      await sleep(60);
      deepStrictEqual(starts.length, 1);
      restarts.stop();
    });

  it('never starts it after stop(), even with a restart pending', async () => {
    const { informer, starts, restarts } = setup();
    informer.emit('error', new Error('pending'));
    restarts.stop();
    informer.emit('error', new Error('after stop'));
    await sleep(60);
    deepStrictEqual(starts.length, 0);
  });
});
