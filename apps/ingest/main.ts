import { runUntilSignal } from '@lgsp/platform';
import { loadIngestConfig } from './src/ingest.config';
import { startIngest } from './src/ingest.app';

runUntilSignal('ingest', () => startIngest(loadIngestConfig(process.env)));
