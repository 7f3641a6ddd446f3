import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs one of Kafka's own tools (a class from the jars the local broker runs on, e.g.
 * org.apache.kafka.tools.ProducerPerformance) and returns the last line it printed: the benchmarks'
 * baselines come from the same jars as the broker.
 */
export function runKafkaTool(className: string, args: string[]): string {
  const script = join(__dirname, '..', '..', '..', 'docker', 'kafka-local', 'kafka.sh');
  const out = execFileSync('bash', [script, 'run-class', className, ...args], { encoding: 'utf8' });
  return out.trim().split('\n').pop() ?? '';
}
