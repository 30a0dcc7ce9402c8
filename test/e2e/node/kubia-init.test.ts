/**
 * The kubia-init example on a real node: the shipped policies' init containers run under runc, in
 * the documented order, with the restricted securityContext they ship with; a failing one keeps the
 * app from starting. Asserted on what the kubelet reports (statuses, exit codes, times, logs).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createNamespace, createPod, initNames } from '../harness/index.js';
import { nodeSuite } from './index.js';
import { POD_SUBNET } from './node.js';
import {
  describeStatus,
  logs,
  ms,
  nodePod,
  running,
  shellContainer,
  statusOf,
  waitForPod,
  watchStatus,
} from './pods.js';
import { nodeWorldHooks } from './shared.js';

const TARGET = 'init-injector.io/network-check.target';
// An address of the suite's own pod subnet above the range pods get addresses from (POD_RANGE_END),
// so no pod ever holds it: pings to it never leave the bridge and never get an answer.
const UNANSWERED = POD_SUBNET.replace(/0\/24$/, '254');

nodeSuite('e2e node: the kubia-init example runs under runc', function () {
  const suite = nodeWorldHooks('node-kubia', 'kubia');

  it('runs init-demo, then network-check, then the app: Init:0/2 → Init:1/2 → Running', async function () {
    const { cp, ns } = suite;
    const pod = await createPod(cp, ns, nodePod('kubia-init', { annotations: { [TARGET]: '127.0.0.1' } }));
    assert.deepEqual(initNames(pod), ['init-demo', 'network-check']);
    const stopWatch = watchStatus(cp, ns, 'kubia-init');
    const done = await waitForPod(cp, ns, 'kubia-init', 'Running', running);
    const seen = await stopWatch();

    const demo = statusOf(done, 'init-demo');
    const check = statusOf(done, 'network-check');
    const app = statusOf(done, 'app');
    for (const s of [demo, check]) {
      assert.equal(s.state?.terminated?.exitCode, 0, describeStatus(done));
      assert.equal(s.state.terminated.reason, 'Completed');
      assert.equal(s.restartCount, 0, `${s.name} ran once`);
    }
    const demoRan = ms(demo.state?.terminated?.finishedAt) - ms(demo.state?.terminated?.startedAt);
    assert.ok(demoRan >= 4000, `init-demo prints for ~5 s; it ran ${String(demoRan)} ms`);
    assert.ok(
      ms(demo.state?.terminated?.finishedAt) <= ms(check.state?.terminated?.startedAt),
      'network-check after init-demo',
    );
    assert.ok(
      ms(check.state?.terminated?.finishedAt) <= ms(app.state?.running?.startedAt),
      'the app after network-check',
    );

    assert.match(await logs(cp, ns, 'kubia-init', 'init-demo'), /initialisation complete/);
    assert.match(
      await logs(cp, ns, 'kubia-init', 'network-check'),
      /Checking network connectivity to 127\.0\.0\.1[\s\S]*reachable/,
    );
    const phases = seen.filter((s) => /^Init:|^PodInitializing$|^Running$/.test(s));
    assert.equal(phases[0], 'Init:0/2', `kubectl get pod -w showed ${seen.join(' → ')}`);
    assert.ok(phases.indexOf('Init:1/2') > 0, `kubectl get pod -w showed ${seen.join(' → ')}`);
    assert.equal(phases.at(-1), 'Running', `kubectl get pod -w showed ${seen.join(' → ')}`);
  });

  it('keeps the app from starting while network-check fails: Init:Error, then Init:CrashLoopBackOff', async function () {
    const { cp, ns } = suite;
    await createPod(cp, ns, nodePod('unreachable', { annotations: { [TARGET]: UNANSWERED } }));
    const stopWatch = watchStatus(cp, ns, 'unreachable');
    const stuck = await waitForPod(cp, ns, 'unreachable', 'network-check in CrashLoopBackOff', (p) => {
      const s = p.status?.initContainerStatuses?.find((c) => c.name === 'network-check');
      return s?.state?.waiting?.reason === 'CrashLoopBackOff' && s.restartCount >= 1;
    });
    const seen = await stopWatch();
    assert.equal(stuck.status?.phase, 'Pending');
    assert.equal(statusOf(stuck, 'init-demo').state?.terminated?.exitCode, 0);
    assert.equal(statusOf(stuck, 'network-check').lastState?.terminated?.exitCode, 1, describeStatus(stuck));
    const app = statusOf(stuck, 'app');
    assert.equal(app.state?.running, undefined, 'the app never started');
    assert.equal(app.state?.terminated, undefined, 'the app never started');
    assert.equal(app.state?.waiting?.reason, 'PodInitializing');
    // The run that failed (--previous): once its back-off ends the kubelet starts another, whose
    // log is only the first line while its ping waits.
    assert.match(await logs(cp, ns, 'unreachable', 'network-check', true), /Host unreachable!/);
    assert.ok(seen.includes('Init:Error'), `kubectl get pod -w showed ${seen.join(' → ')}`);
    assert.ok(seen.includes('Init:CrashLoopBackOff'), `kubectl get pod -w showed ${seen.join(' → ')}`);
  });
});

nodeSuite('e2e node: network-check under the restricted securityContext', function () {
  const suite = nodeWorldHooks('node-ping', 'ping');

  it("BusyBox's ping cannot run under it: it needs a raw socket, even with unprivileged ICMP open", async function () {
    const { cp } = suite;
    // A namespace the webhook does not serve: only the pod's own container runs.
    const plain = await createNamespace(cp, 'ping-plain', {});
    const probe = shellContainer('busybox-ping', 'ping -c 1 -W 2 127.0.0.1');
    const pod = nodePod('busybox-ping', { initContainers: [probe] });
    await createPod(cp, plain, {
      ...pod,
      spec: { ...pod.spec, containers: pod.spec?.containers ?? [], restartPolicy: 'Never' },
    });
    const failed = await waitForPod(cp, plain, 'busybox-ping', 'Failed', (p) => p.status?.phase === 'Failed');
    assert.equal(statusOf(failed, 'busybox-ping').state?.terminated?.exitCode, 1);
    assert.match(await logs(cp, plain, 'busybox-ping', 'busybox-ping'), /permission denied \(are you root\?\)/);
  });

  it("in a hostNetwork pod the node's net.ipv4.ping_group_range decides", async function () {
    const { cp, ns } = suite;
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number);
    const allowed = (low ?? 1) <= 65532 && 65532 <= (high ?? 0);
    const pod = nodePod('host-net', { annotations: { [TARGET]: '127.0.0.1' }, hostNetwork: true });
    await createPod(cp, ns, {
      ...pod,
      spec: { ...pod.spec, containers: pod.spec?.containers ?? [], restartPolicy: 'Never' },
    });
    const settled = await waitForPod(cp, ns, 'host-net', allowed ? 'Running' : 'Failed', (p) =>
      allowed ? running(p) : p.status?.phase === 'Failed',
    );
    const check = statusOf(settled, 'network-check');
    const out = await logs(cp, ns, 'host-net', 'network-check');
    if (allowed) {
      assert.equal(check.state?.terminated?.exitCode, 0, out);
    } else {
      assert.equal(check.state?.terminated?.exitCode, 1, out);
      assert.match(out, /ping: socket: Permission denied/, `the node's range is ${String(low)} ${String(high)}`);
    }
  });
});
