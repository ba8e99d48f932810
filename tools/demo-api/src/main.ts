// The demo business API as a process (`npm start` runs it): DEMO_API_PORT (4555), DEMO_API_LATENCY_MS (0).
import { startDemoApi } from './demo-api';

void startDemoApi({
  port: Number(process.env.DEMO_API_PORT ?? 4555),
  latencyMs: Number(process.env.DEMO_API_LATENCY_MS ?? 0),
}).then((api) => {
  process.stdout.write(
    `Demo business API on ${api.url}: GET /orders/:id; POST /demo/fail {"count":N} or {"on":true|false}\n`,
  );
  const stop = () => void api.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
