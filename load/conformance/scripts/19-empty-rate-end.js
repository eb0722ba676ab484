// A custom Rate that gets no sample at all: at the end k6 logs "Threshold error" for it and the
// test passes (exit 0); the metric still shows in the summary export.
import { Rate } from 'k6/metrics';

const neverAdded = new Rate('never_added');

export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1 } },
  thresholds: { never_added: ['rate>0.5'] },
};

export default async function () {
  if (neverAdded === undefined) neverAdded.add(true);
}
