import type { FlowDocument } from '../model/schema';

/**
 * The product page's example as a flow: the `data_exchange` action of "Fetch API Data" goes to "First
 * Screen" on success and "Sample Screen" on failure, messages use `{{api_response.data…}}`, and an If
 * Statement on `api_response.status is success` decides what the hand-off says. Used by tests and the demo.
 */
export function pageExampleFlow(apiId: string): FlowDocument {
  return {
    schemaVersion: 1,
    name: 'Order status',
    triggers: [{ type: 'keyword', keywords: ['order', 'status'], match: 'contains' }, { type: 'api' }],
    startScreen: 'welcome',
    variables: [],
    screens: [
      {
        id: 'welcome',
        title: 'Welcome',
        messages: [
          { type: 'text', text: 'Hi {{ contact.name | default: "there" }}! Send your order number.' },
        ],
        input: { variable: 'order_id', type: 'string' },
        actions: [
          {
            type: 'data_exchange',
            api: apiId,
            resultVariable: 'api_response',
            onSuccess: 'first_screen',
            onFailure: 'sample_screen',
          },
        ],
      },
      {
        id: 'first_screen',
        title: 'First Screen',
        messages: [
          {
            type: 'buttons',
            text: 'Order {{order_id}} is {{api_response.data.status}}. Anything else?',
            buttons: [
              { id: 'again', title: 'Another order', next: 'welcome' },
              { id: 'agent', title: 'Talk to us', next: 'handoff' },
            ],
          },
        ],
        actions: [],
      },
      {
        id: 'sample_screen',
        title: 'Sample Screen',
        messages: [
          {
            type: 'buttons',
            text: 'Sorry, we could not look up order {{order_id}} right now.',
            buttons: [
              { id: 'retry', title: 'Try again', next: 'welcome' },
              { id: 'agent', title: 'Talk to us', next: 'handoff' },
            ],
          },
        ],
        actions: [],
      },
      {
        id: 'handoff',
        title: 'Hand-off',
        messages: [],
        actions: [
          {
            type: 'if',
            condition: {
              variable: 'api_response.status',
              dataType: 'string',
              operator: 'is',
              value: 'success',
              dynamicValue: false,
            },
            then: 'handoff_with_order',
            else: 'handoff_plain',
          },
        ],
      },
      {
        id: 'handoff_with_order',
        messages: [
          { type: 'text', text: 'An agent will call you about order {{api_response.data.orderId}}.' },
        ],
        actions: [{ type: 'end' }],
      },
      {
        id: 'handoff_plain',
        messages: [{ type: 'text', text: 'An agent will call you shortly.' }],
        actions: [{ type: 'end' }],
      },
    ],
  };
}
