import {
  AclOperationTypes as Op,
  AclPermissionTypes,
  AclResourceTypes as Res,
  ResourcePatternTypes as Pattern,
  type AclEntry,
  type Kafka,
} from 'kafkajs';
import { Domains, isTopicSafeAgency, Topics, type Domain } from '@lgsp/contracts';

/**
 * Who may do what on the hub's Kafka cluster (StandardAuthorizer, deny by default). Each hub service
 * has its own principal; a Kafka-native publisher has one per agency and may write only its own
 * ingress topics. Replays, redrives and topic administration belong to the operator principals
 * (lgsp-admin for the admin API, lgsp-operator for the `lgsp` CLI). docs/security-kafka.md explains
 * each grant.
 */

/** The principal (SCRAM user name) of an agency's Kafka-native publisher. */
export const publisherPrincipal = (agency: string): string => `publisher-${agency}`;

/** The hub services' principals, by the name each passes to loadKafkaSettings. */
export const ServicePrincipals = {
  ingest: 'lgsp-ingest',
  gateway: 'lgsp-gateway',
  admin: 'lgsp-admin',
  operator: 'lgsp-operator',
  nationalBridge: 'lgsp-national-bridge',
  domain: (domain: Domain) => `lgsp-${domain}`,
} as const;

export interface KafkaPublisher {
  agency: string;
  domains: Domain[];
}

/**
 * The Kafka-native publishers: every publisher of the callers file, with the domains its granted
 * event types reach (`vn.lgsp.dossier.*` → dossier; `vn.lgsp.*` or `*` → every domain).
 */
export function kafkaPublishers(
  callers: readonly { id: string; role: string; types?: string[] }[],
): KafkaPublisher[] {
  const out: KafkaPublisher[] = [];
  for (const caller of callers) {
    if (caller.role !== 'publisher') continue;
    if (!isTopicSafeAgency(caller.id))
      throw new Error(
        `publisher ${caller.id}: not usable in a topic name ([A-Za-z0-9._-], no empty segment)`,
      );
    const domains = Domains.filter((domain) =>
      (caller.types ?? []).some((pattern) => {
        const parts = pattern.split('.');
        const wanted = ['vn', 'lgsp', domain];
        // a pattern reaches the domain when its fixed segments agree with vn.lgsp.<domain> as far as they go
        return parts.every(
          (part, i) => i >= wanted.length || part === wanted[i] || (part === '*' && i === parts.length - 1),
        );
      }),
    );
    if (domains.length > 0) out.push({ agency: caller.id, domains });
  }
  return out;
}

const allow = (
  principal: string,
  resourceType: Res,
  resourceName: string,
  resourcePatternType: Pattern,
  operations: Op[],
): AclEntry[] =>
  operations.map((operation) => ({
    principal: `User:${principal}`,
    host: '*',
    resourceType,
    resourceName,
    resourcePatternType,
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  }));

const topic = (principal: string, name: string, ...ops: Op[]) =>
  allow(principal, Res.TOPIC, name, Pattern.LITERAL, ops);
const topicPrefix = (principal: string, prefix: string, ...ops: Op[]) =>
  allow(principal, Res.TOPIC, prefix, Pattern.PREFIXED, ops);
const group = (principal: string, name: string, ...ops: Op[]) =>
  allow(principal, Res.GROUP, name, Pattern.LITERAL, ops);
const groupPrefix = (principal: string, prefix: string, ...ops: Op[]) =>
  allow(principal, Res.GROUP, prefix, Pattern.PREFIXED, ops);

/** Every ACL the hub needs; `applyAcls` creates them (creating an existing ACL changes nothing). */
export function hubAcls(publishers: KafkaPublisher[]): AclEntry[] {
  const acls: AclEntry[] = [];
  // Every hub service checks at start that the hub's topics exist (metadata only: names, partitions).
  const services = [
    ServicePrincipals.ingest,
    ServicePrincipals.gateway,
    ServicePrincipals.nationalBridge,
    ...Domains.map(ServicePrincipals.domain),
  ];
  for (const p of services) acls.push(...topicPrefix(p, 'lgsp.', Op.DESCRIBE));

  // ingest: creates the hub's topics and keeps their retention as configured (the domain topics are the
  // system of record), writes the domain topics and the DLQ, validates every ingress topic.
  const ingest = ServicePrincipals.ingest;
  acls.push(...topicPrefix(ingest, 'lgsp.', Op.CREATE, Op.DESCRIBE_CONFIGS, Op.ALTER_CONFIGS));
  for (const d of Domains) acls.push(...topic(ingest, Topics.events(d), Op.WRITE));
  acls.push(...topic(ingest, Topics.dlq, Op.WRITE));
  acls.push(...topicPrefix(ingest, 'lgsp.ingress.', Op.READ));
  acls.push(...group(ingest, 'lgsp-ingest-validator', Op.READ));

  // dossier, land, health: read their own domain topic (live group; rebuilds read with throw-away
  // lgsp-reader-* groups), write dead letters and the audit trail, and read the audit trail back to
  // reconcile their audit store with it (the operator's `audit verify`).
  for (const d of Domains) {
    const p = ServicePrincipals.domain(d);
    acls.push(...topic(p, Topics.events(d), Op.READ));
    acls.push(...group(p, `lgsp-${d}-projection`, Op.READ));
    acls.push(...groupPrefix(p, 'lgsp-reader-', Op.READ, Op.DELETE));
    acls.push(...topic(p, Topics.dlq, Op.WRITE));
    acls.push(...topic(p, Topics.audit, Op.WRITE, Op.READ));
  }

  // national bridge: reads the dossier topic and its redrive requests (its own group), parks calls in the
  // DLQ, writes and reads back its audit trail like a domain service.
  const bridge = ServicePrincipals.nationalBridge;
  acls.push(...topic(bridge, Topics.events('dossier'), Op.READ));
  acls.push(...topic(bridge, Topics.nationalRedrive, Op.READ));
  acls.push(...group(bridge, 'lgsp-national-bridge', Op.READ));
  acls.push(...groupPrefix(bridge, 'lgsp-reader-', Op.READ, Op.DELETE));
  acls.push(...topic(bridge, Topics.dlq, Op.WRITE));
  acls.push(...topic(bridge, Topics.audit, Op.WRITE, Op.READ));

  // gateway: the audit trail only (written, and read back to reconcile its audit store).
  acls.push(...topic(ServicePrincipals.gateway, Topics.audit, Op.WRITE, Op.READ));
  acls.push(...groupPrefix(ServicePrincipals.gateway, 'lgsp-reader-', Op.READ, Op.DELETE));

  // Operators (admin API, CLI): replay, redrive, lag, audit verification: every hub topic and group.
  for (const p of [ServicePrincipals.admin, ServicePrincipals.operator]) {
    acls.push(
      ...topicPrefix(p, 'lgsp.', Op.READ, Op.WRITE, Op.CREATE, Op.DESCRIBE, Op.DESCRIBE_CONFIGS),
      ...groupPrefix(p, 'lgsp-', Op.READ, Op.DESCRIBE, Op.DELETE),
      ...allow(p, Res.CLUSTER, 'kafka-cluster', Pattern.LITERAL, [Op.DESCRIBE]),
      ...allow(p, Res.TRANSACTIONAL_ID, 'lgsp-dlq-redrive', Pattern.LITERAL, [Op.WRITE, Op.DESCRIBE]),
    );
  }

  // Kafka-native publishers: their own ingress topic per domain, nothing else (not even describing
  // other topics, nor any group: they cannot read).
  for (const { agency, domains } of publishers)
    for (const d of domains)
      acls.push(...topic(publisherPrincipal(agency), Topics.agencyIngress(d, agency), Op.WRITE));
  return acls;
}

/** Creates the ACLs (the connection must be a super user's). Returns how many were sent. */
export async function applyAcls(kafka: Kafka, acls: AclEntry[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let i = 0; i < acls.length; i += 100) await admin.createAcls({ acl: acls.slice(i, i + 100) });
    return acls.length;
  } finally {
    await admin.disconnect();
  }
}
