import assert from 'node:assert/strict';
import { isoTimeCached } from '../../src/log.js';

describe('isoTimeCached (the log line timestamp)', () => {
  it('gives the time as toISOString() would, as pino\'s "time" field, across many seconds', () => {
    const realNow = Date.now;
    try {
      // Millisecond values that exercise the zero padding and second/minute/day boundaries.
      const base = Date.UTC(2026, 10, 25, 23, 59, 58, 0);
      for (const offset of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1999, 2000, 2005, 86_400_123]) {
        const t = base + offset;
        Date.now = () => t;
        assert.equal(isoTimeCached(), `,"time":"${new Date(t).toISOString()}"`);
      }
      // Going back in time (clock step) must not reuse the cached second.
      Date.now = () => base + 5;
      assert.equal(isoTimeCached(), `,"time":"${new Date(base + 5).toISOString()}"`);
    } finally {
      Date.now = realNow;
    }
  });
});
