import { busiestLeader, cluster, faultSettings, runScenario, scenarioBudgetMs } from './fault-harness';

const settings = faultSettings();

/** Ingest under load on a 3-node cluster (RF 3, min.insync 2) while partition leaders are stopped or killed. */
describe('fault: cluster partition leaders stopped and killed under load', () => {
  it(
    'answers 2xx only for events that are at the partition and offset reported, and recovers by itself',
    async () => {
      const brokers = cluster(settings);
      const { problems } = await runScenario(
        'cluster',
        brokers,
        settings,
        { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' },
        (cycle) => busiestLeader(brokers.brokers, cycle),
      );
      expect(problems).toEqual([]);
    },
    scenarioBudgetMs(settings),
  );
});
