// Where a step's time goes, hop by hop: the services' own OpenTelemetry spans (BENCH_TRACE=1 in the pipeline
// bench), received by a local OTLP/HTTP (JSON) endpoint in the bench's process and summed up per hop.
import { createServer } from 'node:http';
import { percentiles } from './lib.mjs';

const nanosToMs = (nanos) => Number(BigInt(nanos) / 1000n) / 1000;

/** An OTLP traces endpoint on 127.0.0.1 that keeps every span it is sent. */
export async function startTraceSink() {
  const spans = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      try {
        for (const resource of JSON.parse(Buffer.concat(chunks).toString()).resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? [])
            for (const s of scope.spans ?? [])
              spans.push({
                name: s.name,
                trace: s.traceId,
                start: nanosToMs(s.startTimeUnixNano),
                end: nanosToMs(s.endTimeUnixNano),
              });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    spans,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * The hops of the complete steps whose trace began in [from, to] (a webhook span first, a send span last), in
 * the order a step takes them. For each: the wait before it (its start minus the previous span's end: queues,
 * polling, the transport between processes) and its own time, p50 and p99 over the steps; and the whole step.
 */
export function hopsOf(spans, from, to) {
  const traces = new Map();
  for (const span of spans) {
    if (!traces.has(span.trace)) traces.set(span.trace, []);
    traces.get(span.trace).push(span);
  }
  const hops = new Map();
  const totals = [];
  for (const list of traces.values()) {
    list.sort((a, b) => a.start - b.start);
    const [first, last] = [list[0], list.at(-1)];
    if (first.name !== 'whatsapp.webhook' || last.name !== 'whatsapp.send') continue;
    if (first.start < from || first.start > to) continue;
    totals.push(last.end - first.start);
    let previousEnd = first.start;
    for (const [i, span] of list.entries()) {
      if (!hops.has(span.name)) hops.set(span.name, { order: [], wait: [], own: [] });
      const hop = hops.get(span.name);
      hop.order.push(i);
      hop.wait.push(Math.max(0, span.start - previousEnd));
      hop.own.push(span.end - span.start);
      previousEnd = Math.max(previousEnd, span.end);
    }
  }
  return {
    steps: totals.length,
    total: percentiles(totals),
    hops: [...hops]
      .map(([name, h]) => ({
        name,
        order: h.order.reduce((a, b) => a + b, 0) / h.order.length,
        wait: percentiles(h.wait),
        own: percentiles(h.own),
      }))
      .sort((a, b) => a.order - b.order),
  };
}
