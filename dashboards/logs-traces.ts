/** Logs and traces: problem log lines by service from VictoriaLogs with trace ids, and a Jaeger search. */
import { defineDashboard } from './frame.ts';
import { graph, lines, traceSearch } from './panels.ts';
import { logs } from './queries.ts';

export default defineDashboard({
  uid: 'faultline-logs-traces',
  title: 'Faultline / Logs and traces',
  description: 'Warnings and errors of every service from VictoriaLogs (each line carries its trace_id, which opens the trace in Jaeger) and a Jaeger trace search of the gateway.',
  main: [logs.problemsByService],
  rows: [
    {
      title: 'Logs',
      panels: [
        graph({ title: 'Warning and error lines per service', healthy: 'none, or a few during a fault (failures are logged at most once a second per problem).', broken: 'a steady stream from one service outside any fault window.', queries: [logs.problemsByService], width: 24 }),
        lines({ title: 'Warning and error lines (trace_id opens the trace)', healthy: 'empty outside fault windows.', broken: 'lines naming the failing dependency; open one and follow its trace_id.', queries: [logs.problemLines] }),
      ],
    },
    {
      title: 'Traces',
      panels: [traceSearch({ title: 'Recent gateway traces', service: 'gateway', healthy: 'short traces; a tenth of requests is sampled.', broken: 'long traces ending at a timeout, error spans on the faulted edge.' })],
    },
  ],
});
