import { faultSettings, runScenario, scenarioBudgetMs, singleBroker } from './fault-harness';

const settings = faultSettings();

/** Ingest under load while its only broker is stopped, killed with -9 and restarted. */
describe('fault: single broker stopped and killed under load', () => {
  it(
    'answers 2xx only for events that are at the partition and offset reported, and recovers by itself',
    async () => {
      const brokers = singleBroker(settings);
      const { problems } = await runScenario('single', brokers, settings, {}, async () => ({
        node: 1,
        led: [],
      }));
      expect(problems).toEqual([]);
    },
    scenarioBudgetMs(settings),
  );
});
