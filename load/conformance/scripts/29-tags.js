// Request tags, the name tag, test-wide options.tags and scenario tags all reach the samples
// (k6 docs: tags-and-groups).
import http from 'k6/http';

export const options = {
  tags: { team: 'shop' },
  scenarios: { s: { executor: 'constant-arrival-rate', rate: 3, duration: '1s', preAllocatedVUs: 1, tags: { flow: 'browse' } } },
  thresholds: {
    'http_reqs{name:product}': ['count==3'],
    'http_reqs{team:shop}': ['count==3'],
    'http_reqs{flow:browse}': ['count==3'],
    'http_reqs{kind:api}': ['count==3'],
    'http_reqs{method:GET}': ['count==3'],
    'http_reqs{status:200}': ['count==3'],
  },
};

export default async function () {
  await http.asyncRequest('GET', `${__ENV.BASE}/?id=${Math.random()}`, null, { tags: { name: 'product', kind: 'api' } });
}
