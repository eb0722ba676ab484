// ramping-arrival-rate: iterations start as the area under the linear rate curve reaches each
// whole number; 0→10/s over 1 s (area 5) then 10/s for 1 s (area 10) starts 15 (k6
// lib/executor/ramping_arrival_rate.go).
export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', preAllocatedVUs: 2,
      stages: [{ duration: '1s', target: 10 }, { duration: '1s', target: 10 }],
    },
  },
};

export default async function () {}
