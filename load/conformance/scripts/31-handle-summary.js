// handleSummary gets the summary data ({metrics: {name: {type, contains, values}}, root_group,
// state}) and its return decides the outputs; --summary-export is still written (k6 docs:
// results-output/end-of-test/custom-summary).
export const options = {
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 3, duration: '1s', preAllocatedVUs: 1 } },
};

export default async function () {}

export function handleSummary(data) {
  const iterations = data.metrics.iterations;
  return { stdout: `iterations=${iterations.values.count} type=${iterations.type} contains=${iterations.contains}\n` };
}
