import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, rawInfo } from '../../src/log.js';

function capture(level = 'info'): { lines: () => string[]; log: ReturnType<typeof createLogger> } {
  let out = '';
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { lines: () => out.split('\n').filter((l) => l !== ''), log: createLogger({ level, destination: dest }) };
}

const withoutTime = (line: string): string => line.replace(/"time":"[^"]*"/, '"time":"T"');

describe('rawInfo (the hand-serialised admission line)', () => {
  it('writes byte for byte what logger.info writes for the same fields', async () => {
    const { lines, log } = capture();
    const fields = { uid: 'u-1', ns: 'team "a"\n', injected: ['a', 'b'], skipped: [], ops: 3, ms: 0.25 };
    log.info(fields, 'admission reviewed');
    rawInfo(log, JSON.stringify(fields).slice(1, -1), 'admission reviewed');
    await new Promise((r) => setImmediate(r));
    const [viaPino, viaRaw] = lines();
    assert.ok(viaPino !== undefined && viaRaw !== undefined, lines().join('\n'));
    assert.equal(withoutTime(viaRaw), withoutTime(viaPino));
    assert.deepEqual(JSON.parse(viaRaw).ns, 'team "a"\n');
  });

  it('writes nothing below the logger level', () => {
    const { lines, log } = capture('warn');
    rawInfo(log, '"uid":"u"', 'admission reviewed');
    assert.deepEqual(lines(), []);
  });

  it('goes through pino for a logger it did not build', () => {
    let out = '';
    const dest = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const other = pino({ base: null, timestamp: false }, dest);
    rawInfo(other, '"uid":"u","ops":1', 'm');
    assert.equal(out, '{"level":30,"uid":"u","ops":1,"msg":"m"}\n');
  });
});
