// `npm run sandbox`: the Cloud API stand-in as a process. Configured by environment variables (below); the
// business number it serves is the one to create as a channel (printed at start).
import { startSandbox } from './sandbox';

const env = process.env;
const port = Number(env.SANDBOX_PORT ?? 3100);
const number = {
  phoneNumberId: env.SANDBOX_PHONE_NUMBER_ID ?? '100000000000001',
  displayPhoneNumber: env.SANDBOX_DISPLAY_PHONE_NUMBER ?? '15550000001',
  wabaId: env.SANDBOX_WABA_ID ?? '200000000000001',
  appSecret: env.SANDBOX_APP_SECRET ?? 'sandbox-app-secret',
  ...(env.SANDBOX_ACCESS_TOKEN ? { accessToken: env.SANDBOX_ACCESS_TOKEN } : {}),
};
const webhookUrl = env.SANDBOX_WEBHOOK_URL ?? 'http://127.0.0.1:3004/webhooks/whatsapp';

void startSandbox({
  port,
  webhookUrl,
  numbers: [number],
  latencyMs: Number(env.SANDBOX_LATENCY_MS ?? 0),
}).then((sandbox) => {
  process.stdout.write(
    [
      `WhatsApp Cloud API sandbox on ${sandbox.url} (set GRAPH_API_BASE_URL to it)`,
      `  webhooks go to   ${webhookUrl}`,
      `  business number  phoneNumberId ${number.phoneNumberId}, wabaId ${number.wabaId}, ` +
        `displayPhoneNumber ${number.displayPhoneNumber}`,
      `  app secret       ${number.appSecret} (the channel's appSecret; any access token is taken)`,
      `  chat with it     npm run chat -- --contact 15551234567`,
      '',
    ].join('\n'),
  );
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
