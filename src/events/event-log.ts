// The event log interface: append durably on the request path, read in order behind it.
import type { StoredEvent, UsageEvent } from './usage-event.js';

export interface EventLog {
  /** Resolves once the event is durable (survives kill -9 of this process). */
  append(event: UsageEvent): Promise<void>;
  /** Events with seq > afterSeq, in seq order, at most `limit`. */
  read(afterSeq: number, limit: number): Promise<StoredEvent[]>;
  /** Flush anything buffered and release resources. */
  close(): Promise<void>;
}
