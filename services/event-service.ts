import type { EventFeed } from '../store/events.ts';

export type { InfraEvent } from '../store/events.ts';

/** What the fronts use of the live event feed (store/events.ts, started and stopped by app/): subscribing. */
export type EventService = Pick<EventFeed, 'subscribe'>;
