import type { JsonValue, OutboundMessage, RenderedOption } from '@flowbridge/contracts';
import { WhatsAppLimits } from '../model/limits';
import type { Message } from '../model/schema';
import type { TemplateRenderer } from '../templates/templates';

/**
 * Renders a screen's messages. Values inserted at run time can make a field longer than WhatsApp takes:
 * those are cut (with "…") so every message stays sendable; a long plain text is left whole, for the
 * messaging service to split at word boundaries. Throws TemplateError.
 */
export function renderMessage(
  message: Message,
  variables: Record<string, JsonValue>,
  renderer: TemplateRenderer,
  flowToken: string,
): OutboundMessage {
  const r = (text: string, limit: number): string => cut(renderer.render(text, variables), limit);
  const optional = (text: string | undefined, limit: number): { value?: string } =>
    text === undefined ? {} : { value: r(text, limit) };
  const headerFooter = (m: { header?: string; footer?: string }): { header?: string; footer?: string } => ({
    ...(m.header !== undefined ? { header: r(m.header, WhatsAppLimits.headerText) } : {}),
    ...(m.footer !== undefined ? { footer: r(m.footer, WhatsAppLimits.footerText) } : {}),
  });
  switch (message.type) {
    case 'text':
      return {
        type: 'text',
        text: renderer.render(message.text, variables),
        ...(message.previewUrl ? { previewUrl: true } : {}),
      };
    case 'buttons':
      return {
        type: 'buttons',
        text: r(message.text, WhatsAppLimits.interactiveBody),
        ...headerFooter(message),
        buttons: message.buttons.map((b) => ({ id: b.id, title: r(b.title, WhatsAppLimits.buttonTitle) })),
      };
    case 'list':
      return {
        type: 'list',
        text: r(message.text, WhatsAppLimits.listBody),
        button: r(message.button, WhatsAppLimits.listButton),
        ...headerFooter(message),
        sections: message.sections.map((s) => ({
          ...(s.title !== undefined ? { title: r(s.title, WhatsAppLimits.sectionTitle) } : {}),
          rows: s.rows.map((row): RenderedOption => {
            const description = optional(row.description, WhatsAppLimits.rowDescription).value;
            return {
              id: row.id,
              title: r(row.title, WhatsAppLimits.rowTitle),
              ...(description !== undefined ? { description } : {}),
            };
          }),
        })),
      };
    case 'media': {
      const caption = optional(message.caption, WhatsAppLimits.mediaCaption).value;
      const filename = optional(message.filename, 240).value;
      return {
        type: 'media',
        mediaType: message.mediaType,
        url: renderer.render(message.url, variables),
        ...(caption !== undefined ? { caption } : {}),
        ...(filename !== undefined ? { filename } : {}),
      };
    }
    case 'flow':
      return {
        type: 'flow',
        text: r(message.text, WhatsAppLimits.interactiveBody),
        ...(message.form !== undefined ? { form: message.form } : {}),
        ...(message.flowId !== undefined ? { flowId: message.flowId } : {}),
        cta: r(message.cta, WhatsAppLimits.flowCta),
        flowToken,
        ...(message.screen !== undefined ? { screen: message.screen } : {}),
        ...(message.data !== undefined
          ? {
              data: Object.fromEntries(
                Object.entries(message.data).map(([k, v]) => [k, renderer.render(v, variables)]),
              ),
            }
          : {}),
        ...headerFooter(message),
      };
  }
}

/** Cut to `limit` characters (code points, so no emoji is split), ending with "…" when cut. */
export function cut(text: string, limit: number): string {
  const chars = Array.from(text);
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}
