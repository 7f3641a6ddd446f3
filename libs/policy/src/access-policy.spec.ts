import { buildSchema, parse } from 'graphql';
import { AccessPolicy, type PolicyDocument } from './access-policy';

const schema = buildSchema(`
  type Query { citizen(personalId: String!): Citizen }
  type Citizen { personalId: String! records(first: Int): [Rec!]! }
  type Rec { id: String! diagnosis: String cost: Float codes: [String!]! }
`);

const document: PolicyDocument = {
  purposes: { care: 'Care of the patient' },
  categories: { diagnosis: 'Diagnoses', cost: 'Costs' },
  domains: { health: ['Citizen.records'] },
  sensitive: { diagnosis: ['Rec.diagnosis', 'Rec.codes'], cost: ['Rec.cost'] },
  onMissingCategory: 'mask',
  subjects: { 'Citizen.personalId': 'citizen', 'Rec.id': 'record' },
  consumers: {
    doctor: { domains: ['health'], categories: ['diagnosis'] },
    clerk: { domains: [], categories: [] },
  },
  limits: { maxDepth: 5, maxCost: 100, defaultListSize: 10 },
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
});
