// The brokers Berth runs, by service; what the add-on services provision through.
import { BerthError } from '../domain/errors.js';
import type { Broker } from './broker.js';

export class BrokerRegistry {
  private readonly byService = new Map<string, Broker>();

  constructor(brokers: Broker[]) {
    for (const b of brokers) this.byService.set(b.service, b);
  }

  /** The broker of a service; invalid_params when this Berth has none (e.g. no PostgreSQL installed). */
  forService(service: string): Broker {
    const broker = this.byService.get(service);
    if (!broker) throw new BerthError('invalid_params', `The ${service} add-on service is not available on this Berth (its server is not installed).`, 'addon_service');
    return broker;
  }

  all(): Broker[] {
    return [...this.byService.values()];
  }

  /** Starts every broker's supervision; their servers outlive the signal. */
  async start(signal: AbortSignal): Promise<void> {
    await Promise.all(this.all().map((b) => b.start(signal)));
  }
}
