import type { ServiceContext } from './context.js';
import type { Provider } from './provider.js';

/** Services reach each other through the provider, all bound to the same request. */
export abstract class BaseService {
  constructor(protected readonly provider: Provider) {}

  protected get ctx(): ServiceContext {
    return this.provider.ctx;
  }
}
