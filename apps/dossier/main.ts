import { runUntilSignal } from '@lgsp/platform';
import { loadDossierConfig } from './src/dossier.config';
import { startDossier } from './src/dossier.app';

runUntilSignal('dossier', () => startDossier(loadDossierConfig(process.env)));
