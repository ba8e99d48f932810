import { WhatsAppLimits } from './limits';
import type { Message, Screen } from './schema';

export interface ScreenOption {
  id: string;
  title: string;
  next?: string;
  /** Where it is in the document, below the screen: `messages[0].buttons[1]`. */
  path: string;
}

/** The reply buttons and list rows a screen offers, in order. */
export function screenOptions(screen: Screen): ScreenOption[] {
  const options: ScreenOption[] = [];
  screen.messages.forEach((message, i) => {
    if (message.type === 'buttons')
      message.buttons.forEach((b, j) => options.push({ ...b, path: `messages[${i}].buttons[${j}]` }));
    if (message.type === 'list')
      message.sections.forEach((section, s) =>
        section.rows.forEach((r, j) =>
          options.push({
            id: r.id,
            title: r.title,
            next: r.next,
            path: `messages[${i}].sections[${s}].rows[${j}]`,
          }),
        ),
      );
  });
  return options;
}

/** A screen waits for the contact when it asks for input or offers a choice that navigates. */
export function screenWaits(screen: Screen): boolean {
  return screen.input !== undefined || screenOptions(screen).some((o) => o.next !== undefined);
}

export function sendsFlowMessage(screen: Screen): boolean {
  return screen.messages.some((m) => m.type === 'flow');
}

/** Every templated text of a message (option ids are not templates), with its field path and length limit. */
export function messageTexts(message: Message): Array<{ field: string; text: string; limit: number | null }> {
  const out: Array<{ field: string; text: string; limit: number | null }> = [];
  const add = (field: string, text: string | undefined, limit: number | null): void => {
    if (text !== undefined) out.push({ field, text, limit });
  };
  switch (message.type) {
    case 'text':
      add('text', message.text, WhatsAppLimits.textBody);
      break;
    case 'buttons':
      add('text', message.text, WhatsAppLimits.interactiveBody);
      add('header', message.header, WhatsAppLimits.headerText);
      add('footer', message.footer, WhatsAppLimits.footerText);
      message.buttons.forEach((b, j) => {
        add(`buttons[${j}].title`, b.title, WhatsAppLimits.buttonTitle);
      });
      break;
    case 'list':
      add('text', message.text, WhatsAppLimits.listBody);
      add('button', message.button, WhatsAppLimits.listButton);
      add('header', message.header, WhatsAppLimits.headerText);
      add('footer', message.footer, WhatsAppLimits.footerText);
      message.sections.forEach((section, s) => {
        add(`sections[${s}].title`, section.title, WhatsAppLimits.sectionTitle);
        section.rows.forEach((r, j) => {
          add(`sections[${s}].rows[${j}].title`, r.title, WhatsAppLimits.rowTitle);
          add(`sections[${s}].rows[${j}].description`, r.description, WhatsAppLimits.rowDescription);
        });
      });
      break;
    case 'media':
      add('url', message.url, 2048);
      add('caption', message.caption, WhatsAppLimits.mediaCaption);
      add('filename', message.filename, 240);
      break;
    case 'flow':
      add('text', message.text, WhatsAppLimits.interactiveBody);
      add('cta', message.cta, WhatsAppLimits.flowCta);
      add('header', message.header, WhatsAppLimits.headerText);
      add('footer', message.footer, WhatsAppLimits.footerText);
      for (const [key, value] of Object.entries(message.data ?? {})) add(`data.${key}`, value, null);
      break;
  }
  return out;
}
