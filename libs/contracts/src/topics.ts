/** Every topic the hub owns, in one typed map. */
export const Domains = ['dossier', 'land', 'health'] as const;
export type Domain = (typeof Domains)[number];

export const Topics = {
  events: (domain: Domain) => `lgsp.${domain}.events` as const,
  /** shared ingress of a domain: no publisher principal may write it (operators' redrives, development) */
  ingress: (domain: Domain) => `lgsp.ingress.${domain}` as const,
  /**
   * a Kafka-native publisher's own ingress topic: only that agency's principal may write it, and every
   * event in it must come from that agency (Kafka does not tell a consumer who produced a record)
   */
  agencyIngress: (domain: Domain, agency: string) => `lgsp.ingress.${domain}.${agency}` as const,
  dlq: 'lgsp.dlq',
  /** compacted ledger of redriven dead letters (key dlq:<partition>:<offset>) */
  dlqRedriven: 'lgsp.dlq.redriven',
  audit: 'lgsp.audit',
  /**
   * the national bridge's redrive requests: a parked national call's dead letter names this topic as its
   * original, so `lgsp dlq redrive` writes the request back here and the bridge sends the call again
   */
  nationalRedrive: 'lgsp.national.redrive',
} as const;

/** Headers the hub adds to a dead letter, next to the original record's own headers. */
export const DlqHeaders = {
  originalTopic: 'lgsp_dlq_original_topic',
  originalPartition: 'lgsp_dlq_original_partition',
  originalOffset: 'lgsp_dlq_original_offset',
  errorCode: 'lgsp_dlq_error_code',
  errorDetail: 'lgsp_dlq_error_detail',
  failedAt: 'lgsp_dlq_failed_at',
  consumerGroup: 'lgsp_dlq_consumer_group',
} as const;

/** The domain of a CloudEvents type `vn.lgsp.<domain>.<name>.v<N>`, or undefined. */
export function domainOfType(type: string): Domain | undefined {
  const match = /^vn\.lgsp\.([a-z]+)\./.exec(type);
  const domain = match?.[1];
  return (Domains as readonly string[]).includes(domain ?? '') ? (domain as Domain) : undefined;
}

/** An agency code usable in a topic name and a principal: Kafka's topic characters, no empty or dot-only segment. */
export function isTopicSafeAgency(agency: string): boolean {
  return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(agency) && agency.length <= 200;
}

/** The agency whose own ingress topic this is (`lgsp.ingress.<domain>.<agency>`), or undefined. */
export function ingressAgency(topic: string): { domain: Domain; agency: string } | undefined {
  for (const domain of Domains) {
    const prefix = `lgsp.ingress.${domain}.`;
    if (topic.startsWith(prefix) && isTopicSafeAgency(topic.slice(prefix.length)))
      return { domain, agency: topic.slice(prefix.length) };
  }
  return undefined;
}
