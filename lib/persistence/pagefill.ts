import type { PageRequest } from './dbal.js';

/**
 * The most a page's items may weigh once encoded. gRPC clients refuse messages over 4 MiB by default (grpc-go,
 * grpc-js, grpc-python: Substra's backend among them), and Substra's own server fails a query whose page passes it;
 * we end the page early instead, with a next token. The margin covers the response's other fields and the
 * per-item field tag and length (counted below as {@link ITEM_FRAMING_BYTES}).
 */
const MAX_PAGE_BYTES = 4 * 1024 * 1024 - 16 * 1024;

/** A repeated message field: one tag byte and a length varint of at most 3 bytes below 2 MiB, rounded up. */
const ITEM_FRAMING_BYTES = 5;

/**
 * How a DBAL fills one page, whatever its storage: first `skip` matching items are passed over, then items are
 * taken until `size` of them are in or the next one would push the page past {@link MAX_PAGE_BYTES} (a page always
 * holds at least one item, so a client can never be stuck on a page it cannot read past).
 */
export class PageFill {
  private toSkip: number;
  private taken = 0;
  private bytes = 0;

  constructor(private readonly page: PageRequest) {
    this.toSkip = page.skip ?? 0;
  }

  /** Passes over the next matching item if the offset asks for it; true when the item must be dropped. */
  skips(): boolean {
    if (this.toSkip === 0) return false;
    this.toSkip--;
    return true;
  }

  /** Whether the page is already complete: the next matching item only tells that a next page exists. */
  get full(): boolean {
    return this.taken >= this.page.size;
  }

  /**
   * Counts `item` into the page; false when it does not fit in the byte budget (the page then ends before it,
   * and the item starts the next page).
   */
  take(item: object): boolean {
    if (this.page.byteSize) {
      const bytes = this.page.byteSize(item) + ITEM_FRAMING_BYTES;
      if (this.taken > 0 && this.bytes + bytes > MAX_PAGE_BYTES) return false;
      this.bytes += bytes;
    }
    this.taken++;
    return true;
  }
}
