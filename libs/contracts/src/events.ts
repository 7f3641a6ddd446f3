import { EventTypes, type EventDataMap, type EventType } from './generated/events';
import { domainOfType, type Domain } from './topics';

/**
 * A CloudEvent 1.0 with JSON data, as the hub handles it. Extension attributes are kept as strings.
 * Decoded from a request or a record it is `CloudEvent` (data unknown); validated, it is a `HubEvent`.
 */
export interface CloudEvent<T = unknown, Type extends string = string> {
  specversion: '1.0';
  id: string;
  source: string;
  type: Type;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data: T;
  extensions?: Record<string, string>;
}

/** An event of one type of the catalog, its data typed from that type's schema. */
export type EventOf<T extends EventType> = CloudEvent<EventDataMap[T], T>;

/**
 * A validated event: one member per type of the catalog, discriminated by `type`, so that
 * `switch (event.type)` narrows `event.data`. The schema registry turns a decoded event into one when
 * the validator of its type accepts the data.
 */
export type HubEvent = { [T in EventType]: EventOf<T> }[EventType];

/** The validated events of one domain. */
export type DomainEvent<D extends Domain> = Extract<HubEvent, { type: `vn.lgsp.${D}.${string}` }>;

/** The event types of one domain. */
export type DomainEventType<D extends Domain> = DomainEvent<D>['type'];

const catalog = new Set<string>(EventTypes);

/** Whether this build was generated from a schema of `type` (a schema file added later is not). */
export function isEventType(type: string): type is EventType {
  return catalog.has(type);
}

export function isDomainEvent<D extends Domain>(event: HubEvent, domain: D): event is DomainEvent<D> {
  return domainOfType(event.type) === domain;
}
