import { buildSchema, getIntrospectionQuery, graphqlSync, parse } from 'graphql';
import { buildFederationSchema } from '@mercuriusjs/federation';
import { dossierSchema } from '../../../apps/dossier/src/dossier.graphql';
import { healthSchema } from '../../../apps/health/src/health.graphql';
import { landSchema } from '../../../apps/land/src/land.graphql';
import { policyFile } from '@lgsp/core';
import { AccessPolicy, listSizeFor, type PolicyDocument } from './access-policy';

const schema = buildSchema(`
  type Query { citizen(personalId: String!): Citizen }
  type Citizen { personalId: String! records(first: Int): [Rec!]! }
  type Rec { id: String! diagnosis: String cost: Float codes: [String!]! }
  type Conn { edges: [Edge!]! total: Int }
  type Edge { node: Rec! }
  extend type Query { recs(first: Int, last: Int): Conn! rec: Rec }
`);

const document: PolicyDocument = {
  purposes: { care: 'Care of the patient' },
  categories: { diagnosis: 'Diagnoses', cost: 'Costs' },
  domains: { health: ['Citizen.records'] },
  sensitive: { diagnosis: ['Rec.diagnosis', 'Rec.codes'], cost: ['Rec.cost'] },
  onMissingCategory: 'mask',
  public: ['Query', 'Citizen', 'Rec.id', 'Conn', 'Edge'],
  subjects: { 'Citizen.personalId': 'citizen', 'Rec.id': 'record' },
  consumers: {
    doctor: { domains: ['health'], categories: ['diagnosis'], purposes: ['care'] },
    clerk: { domains: [], categories: [], purposes: [] },
  },
  limits: {
    maxDepth: 5,
    maxCost: 100,
    defaultListSize: 10,
    maxListSize: 50,
    maxIntrospectionCost: 1000,
    maxResponseBytes: 10_000,
  },
};

describe(AccessPolicy.name, () => {
  const sut = new AccessPolicy(document);
  const query = parse(
    `query Q($n: Int) { citizen(personalId: "001") { personalId records(first: $n) { id diagnosis cost codes } } }`,
  );

  it('counts depth and cost, lists at their first argument', () => {
    const analysis = sut.analyse(schema, query, sut.grantsOf('doctor'), { n: 3 });
    expect(analysis).toMatchObject({ depth: 3, cost: 1 + 1 + 1 + 3 * 4, refused: [], personal: true });
    expect([...analysis.domains]).toEqual(['health']);
  });

  it('refuses fields of a domain the consumer is not granted, naming them', () => {
    expect(sut.analyse(schema, query, sut.grantsOf('clerk')).refused).toEqual([
      { coordinate: 'Citizen.records', reason: 'the health domain is not granted to clerk' },
    ]);
    expect(sut.analyse(schema, query, sut.grantsOf('nobody')).refused).toHaveLength(1);
  });

  it('masks values of categories not granted and collects whom the response is about', () => {
    const data = {
      citizen: {
        personalId: '001090012345',
        records: [{ id: 'r1', diagnosis: 'J18.9', cost: 1200, codes: ['I10'] }],
      },
    };
    const seen = sut.maskAndCollect(schema, query, data, sut.grantsOf('doctor'));
    expect(data.citizen.records[0]).toEqual({ id: 'r1', diagnosis: 'J18.9', cost: null, codes: ['I10'] });
    expect([...seen.masked]).toEqual(['Rec.cost']);
    expect([...seen.read]).toEqual(['Rec.diagnosis', 'Rec.codes']);
    expect([...seen.citizens]).toEqual(['001090012345']);
    expect([...seen.records]).toEqual(['r1']);
  });

  it('refuses instead of masking when the policy says so', () => {
    const strict = new AccessPolicy({ ...document, onMissingCategory: 'refuse' });
    expect(strict.analyse(schema, query, strict.grantsOf('doctor')).refused).toEqual([
      { coordinate: 'Rec.cost', reason: 'the cost category is not granted to doctor' },
    ]);
  });

  describe('cost', () => {
    const cost = (q: string, variables: Record<string, unknown> = {}, operationName?: string) =>
      sut.analyse(schema, parse(q), sut.grantsOf('doctor'), variables, operationName);

    it('counts a connection at its first or last, capped at the largest list, else at the default size', () => {
      expect(cost('{ recs(first: 7) { edges { node { id } } } }').cost).toBe(1 + 1 + 7 + 7);
      expect(cost('{ recs(last: 3) { total edges { node { id } } } }').cost).toBe(1 + 1 + 1 + 3 + 3);
      // first: 1000 returns at most maxListSize (50) items, and is counted so
      expect(cost('{ recs(first: 1000) { edges { node { id } } } }').cost).toBe(1 + 1 + 50 + 50);
      expect(cost('{ recs { edges { node { id } } } }').cost).toBe(1 + 1 + 10 + 10);
    });

    it('counts every alias and every fragment spread', () => {
      const aliases = Array.from(
        { length: 30 },
        (_, i) => `a${i}: recs(first: 50) { edges { node { id } } }`,
      );
      expect(cost(`{ ${aliases.join(' ')} }`).cost).toBe(30 * (1 + 1 + 50 + 50));
      const fragments = `query { rec { ...F ...F ... on Rec { id } } } fragment F on Rec { id diagnosis }`;
      expect(cost(fragments).cost).toBe(1 + 2 + 2 + 1);
    });

    it('judges the operation that is named, not the first one', () => {
      const q = `query A { rec { id } } query B { citizen(personalId: "1") { records { diagnosis } } }`;
      expect(cost(q, {}, 'A')).toMatchObject({ personal: false, domains: new Set() });
      expect(cost(q, {}, 'B')).toMatchObject({ personal: true, domains: new Set(['health']) });
      // no name and two operations: no operation is executed
      expect(cost(q).cost).toBe(0);
    });

    it('counts introspection exactly, aliases included, and stops counting past its limit', () => {
      const one = cost('{ __schema { types { name } } }');
      const types = Object.keys(schema.getTypeMap()).length;
      expect(one).toMatchObject({ introspection: true, introspectionCost: 2 + types });
      expect(cost('{ __typename __type(name: "Rec") { fields { name } } }').introspectionCost).toBe(2 + 4);
      const many = Array.from({ length: 3000 }, (_, i) => `s${i}: __schema { types { name } }`);
      const flood = cost(`{ ${many.join(' ')} }`);
      expect(flood.introspectionCost).toBeGreaterThan(document.limits.maxIntrospectionCost);
      expect(flood.introspectionCost).toBeLessThan(3 * document.limits.maxIntrospectionCost);
    });

    it('shares its list sizes with the resolvers', () => {
      expect([undefined, null, 0, 7, 1000].map((n) => listSizeFor(n, document.limits))).toEqual([
        10, 10, 1, 7, 50,
      ]);
    });
  });

  describe('classification', () => {
    it('names every field that is neither public nor in a category', () => {
      const partial = new AccessPolicy({ ...document, public: ['Query', 'Citizen', 'Conn', 'Edge'] });
      expect(partial.unclassified(schema)).toEqual(['Rec.id']);
      expect(() => partial.assertClassifies(schema, 'p.json')).toThrow(
        /1 field\(s\) of the schema are not classified in p\.json: Rec\.id/,
      );
      expect(sut.unclassified(schema)).toEqual([]);
    });

    it('refuses a consumer purpose that is not described, and a field both public and sensitive', () => {
      expect(
        () =>
          new AccessPolicy({
            ...document,
            consumers: { x: { domains: [], categories: [], purposes: ['gossip'] } },
          }),
      ).toThrow('consumers.x.purposes: gossip is not a described purpose');
      expect(() => new AccessPolicy({ ...document, public: [...document.public, 'Rec.cost'] })).toThrow(
        'Rec.cost is both public and in the cost category',
      );
    });

    it('classifies every field the development subgraphs serve, and counts one full introspection', () => {
      const policy = AccessPolicy.fromFile(policyFile({}));
      for (const sdl of [dossierSchema, landSchema, healthSchema]) {
        const served = buildFederationSchema(sdl);
        expect(policy.unclassified(served)).toEqual([]);
        const introspection = parse(getIntrospectionQuery());
        const analysis = policy.analyse(served, introspection, policy.grantsOf('operator'));
        // exact: the count of fields graphql answers (every object counted once per field it returns)
        const answer = graphqlSync({ schema: served, source: getIntrospectionQuery() });
        expect(answer.errors).toBeUndefined();
        expect(analysis.introspectionCost).toBe(countFields(answer.data));
        expect(analysis.introspectionCost).toBeLessThan(policy.document.limits.maxIntrospectionCost);
      }
    });
  });
});

/** Fields of a JSON answer: each key of each object. */
function countFields(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countFields(v), 0);
  if (value && typeof value === 'object')
    return Object.values(value).reduce((n: number, v) => n + 1 + countFields(v), 0);
  return 0;
}
