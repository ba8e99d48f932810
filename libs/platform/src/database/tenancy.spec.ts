import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { scopeConnections, Tenancy } from './tenancy';

/** A pg client as the pool hands it out: no 'error' listener of its own (pg-pool removes its idle one). */
class CheckedOutClient extends EventEmitter {
  async query(): Promise<unknown> {
    // Postgres dies mid-query: pg fails the query and also emits 'error' on the client.
    const error = new Error('Connection terminated unexpectedly');
    this.emit('error', error);
    throw error;
  }
}

describe('scopeConnections', () => {
  it('survives Postgres dying while it sets the scope: the caller gets the error, the process no unhandled event', async () => {
    const client = new CheckedOutClient();
    const release = jest.fn();
    const driver = { obtainMasterConnection: async () => [client, release] };
    const dataSource = scopeConnections({ driver } as unknown as DataSource);
    const obtain = (dataSource.driver as unknown as typeof driver).obtainMasterConnection;
    await expect(Tenancy.forWorkspace('ws-a', () => obtain())).rejects.toThrow(
      'Connection terminated unexpectedly',
    );
    expect(release).toHaveBeenCalledWith(expect.any(Error));
    // The temporary listener is gone: TypeORM attaches its own once it has the client.
    expect(client.listenerCount('error')).toBe(0);
  });
});
