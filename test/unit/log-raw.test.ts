import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createLogger, rawInfo } from '../../src/log.js';
import { logSink } from '../support/log.js';

function capture(level = 'info'): { lines: () => string[]; log: ReturnType<typeof createLogger> } {
  const sink = logSink();
  return { lines: sink.lines, log: createLogger({ level, destination: sink.stream }) };
}

const withoutTime = (line: string): string => line.replace(/"time":"[^"]*"/, '"time":"T"');

describe('rawInfo (the hand-serialised admission line)', () => {
  it('writes byte for byte what logger.info writes for the same fields', async () => {
    const { lines, log } = capture();
    const fields = { uid: 'u-1', ns: 'team "a"\n', injected: ['a', 'b'], skipped: [], ops: 3, ms: 0.25 };
    log.info(fields, 'admission reviewed');
    rawInfo(log, () => JSON.stringify(fields).slice(1, -1), 'admission reviewed');
    await new Promise((r) => setImmediate(r));
    const [viaPino, viaRaw] = lines();
    assert.ok(viaPino !== undefined && viaRaw !== undefined, lines().join('\n'));
    assert.equal(withoutTime(viaRaw), withoutTime(viaPino));
    assert.deepEqual(JSON.parse(viaRaw).ns, 'team "a"\n');
  });

  it('writes nothing below the logger level, and does not build the fields', () => {
    const { lines, log } = capture('warn');
    rawInfo(
      log,
      () => {
        throw new Error('fields built for a line that is not written');
      },
      'admission reviewed',
    );
    assert.deepEqual(lines(), []);
  });

  it('goes through pino for a logger it did not build', () => {
    const sink = logSink();
    const other = pino({ base: null, timestamp: false }, sink.stream);
    rawInfo(other, () => '"uid":"u","ops":1', 'm');
    assert.equal(sink.text(), '{"level":30,"uid":"u","ops":1,"msg":"m"}\n');
  });
});
