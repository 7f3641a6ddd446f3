import { runUntilSignal } from '@lgsp/core';
import { loadIngestConfig } from './src/ingest.config';
import { startIngest } from './src/ingest.app';

runUntilSignal('ingest', () => startIngest(loadIngestConfig(process.env)));
