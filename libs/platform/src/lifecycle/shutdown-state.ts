import { Injectable } from '@nestjs/common';

/** Set when a shutdown signal arrives: readiness turns red so that traffic stops before the listener closes. */
@Injectable()
export class ShutdownState {
  private drainingSince: number | null = null;

  begin(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }
}
