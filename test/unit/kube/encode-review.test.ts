import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdmissionHttpError } from '../../../src/errors.js';
import {
  allowed,
  denied,
  encodeReview,
  errored,
  patched,
  type AdmissionReviewOut,
} from '../../../src/kube/admission.js';

const op = { op: 'add' as const, path: '/spec/initContainers', value: [{ name: 'a', image: 'x:1' }] };

describe('encodeReview (the response text)', () => {
  it('is JSON.stringify of every kind of answer, byte for byte', () => {
    const answers: AdmissionReviewOut[] = [
      patched('u-1', [op]),
      patched('weird "uid"\n\u2028', [op], ['a warning', 'quote " and \\ backslash']),
      allowed('u-2'),
      allowed('u-3', ['w']),
      denied('u-4', 'policy "x" is required'),
      errored(new AdmissionHttpError('INJ_REVIEW_INVALID', 'bad', 'u-5')),
    ];
    for (const a of answers) assert.equal(encodeReview(a), JSON.stringify(a));
  });

  it('matches JSON.stringify for any uid, warnings and patch', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.jsonValue(), (uid, warnings, value) => {
        const a = patched(uid, [{ op: 'add', path: '/metadata/annotations/x', value }], warnings);
        assert.equal(encodeReview(a), JSON.stringify(a));
      }),
    );
  });
});
