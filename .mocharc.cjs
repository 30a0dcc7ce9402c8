// Every suite that needs no control plane: unit, golden, HTTP, CLI (against dist/), deploy, reliability.
module.exports = {
  spec: [
    'test/unit/**/*.test.ts',
    'test/golden/**/*.test.ts',
    'test/http/**/*.test.ts',
    'test/cli/**/*.test.ts',
    'test/deploy/**/*.test.ts',
    'test/reliability/**/*.test.ts',
  ],
  'node-option': ['import=tsx'],
  'forbid-only': true,
  'forbid-pending': true,
  'check-leaks': true,
  timeout: 20000,
  exit: true,
};
