/**
 * The plain target: node:http on 127.0.0.1 (an ephemeral port, printed on stdout as
 * `port <n>`), answering GET /<ms> with "ok" after <ms> milliseconds (0: at once).
 */
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const delayMs = Number(req.url?.slice(1) ?? 0) || 0;
  const answer = () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
  if (delayMs > 0) setTimeout(answer, delayMs);
  else answer();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : '?'}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
