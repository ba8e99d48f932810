import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';

/** The sandbox routes the chat test uses: a contact's conversation, and what the contact says or taps. */
const CONTACT_ROUTES = [
  /^GET \/contacts\/\d{6,15}\/conversation(\?after=\d+)?$/,
  /^POST \/contacts\/\d{6,15}\/(say|tap|pick)$/,
];
const KEY_CHECK_TTL_MS = 30_000;

/**
 * The console's `/sandbox/*`: the WhatsApp sandbox's contact routes, for the Flow Builder's chat test, only when
 * the console runs beside a sandbox (SANDBOX_URL, as `npm start` sets it) and only for an admin: the caller's key
 * must be one the flow-definition service takes (checked there, remembered for 30 s by its hash).
 */
export function sandboxProxy(options: { sandboxUrl?: string; flowDefinitionUrl: string }) {
  const accepted = new Map<string, number>();
  const isAdmin = async (authorization: string | undefined): Promise<boolean> => {
    if (!authorization) return false;
    const hash = createHash('sha256').update(authorization).digest('hex');
    if ((accepted.get(hash) ?? 0) > Date.now()) return true;
    const answer = await fetch(`${options.flowDefinitionUrl}/flows?limit=1`, {
      headers: { authorization },
      signal: AbortSignal.timeout(5_000),
    });
    await answer.body?.cancel();
    if (!answer.ok) return false;
    accepted.set(hash, Date.now() + KEY_CHECK_TTL_MS);
    return true;
  };
  const forward = options.sandboxUrl
    ? createProxyMiddleware<Request, Response>({
        target: options.sandboxUrl,
        pathRewrite: (path) => `/sandbox${path}`,
        changeOrigin: true,
        on: {
          proxyReq: (proxyReq) => proxyReq.removeHeader('authorization'),
          error: (_err, _req, res) => {
            const out = res as Response;
            if (!out.headersSent)
              out
                .status(503)
                .json({ code: 'SANDBOX_UNAVAILABLE', message: 'The WhatsApp sandbox is not answering' });
          },
        },
      })
    : undefined;

  return (req: Request, res: Response, next: NextFunction): void => {
    if (!forward)
      return void res.status(404).json({
        code: 'SANDBOX_OFF',
        message:
          'The chat test needs the WhatsApp sandbox beside the console (npm start runs one on this machine)',
      });
    if (!CONTACT_ROUTES.some((route) => route.test(`${req.method} ${req.url}`)))
      return void res
        .status(404)
        .json({ code: 'NOT_FOUND', message: `No sandbox route ${req.method} ${req.path}` });
    isAdmin(req.headers.authorization).then(
      (ok) =>
        ok
          ? void forward(req, res, next)
          : void res.status(401).json({ code: 'UNAUTHORIZED', message: 'Sign in with an admin key' }),
      () =>
        void res.status(503).json({
          code: 'SERVICE_UNAVAILABLE',
          message: 'The flow-definition service is not answering; try again',
        }),
    );
  };
}
