import { type Form, FormSchema } from '../forms/form-schema';

/**
 * The product page's walkthrough as a WhatsApp form ("Order lookup"): the order number asked on the first
 * screen, whose footer calls *Fetch API Data*; success → "First Screen" with the order's status and total,
 * failure → "Sample Screen" with the message and a way back. Used by tests (and the demo, once forms publish).
 */
export function pageExampleForm(apiId: string): Form {
  return FormSchema.parse({
    id: 'order_lookup',
    name: 'Order lookup',
    startScreen: 'ORDER',
    screens: [
      {
        id: 'ORDER',
        title: 'Your order',
        components: [
          { type: 'TextHeading', text: 'Find your order' },
          { type: 'TextInput', name: 'order_id', label: 'Order number', required: true },
        ],
        footer: {
          label: 'Look it up',
          action: {
            type: 'data_exchange',
            api: apiId,
            onSuccess: 'FIRST_SCREEN',
            onFailure: 'SAMPLE_SCREEN',
            apiData: { status: '{{api_response.data.status}}', total: '{{api_response.data.total}}' },
          },
        },
      },
      {
        id: 'FIRST_SCREEN',
        title: 'Order found',
        data: { status: { type: 'string', example: 'shipped' }, total: { type: 'number' } },
        components: [{ type: 'TextBody', text: 'Status: ${data.status}, total ${data.total}' }],
        footer: { label: 'Done', action: { type: 'complete', payload: { status: '${data.status}' } } },
      },
      {
        id: 'SAMPLE_SCREEN',
        title: 'Not found',
        data: { error_message: { type: 'string' }, order_id: { type: 'string' } },
        components: [{ type: 'TextBody', text: '${data.error_message} (order ${data.order_id})' }],
        footer: { label: 'Try again', action: { type: 'navigate', next: 'ORDER', payload: {} } },
      },
    ],
  });
}
