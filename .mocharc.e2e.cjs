// The end-to-end suite: one real etcd + kube-apiserver + kube-controller-manager per run (test/e2e/harness).
module.exports = {
  spec: ['test/e2e/**/*.test.ts'],
  'node-option': ['import=tsx'],
  'forbid-only': true,
  'forbid-pending': true,
  timeout: 120000,
  exit: true,
};
