import { walkEveryPage } from './helpers/walk.js';

walkEveryPage({ name: 'desktop', width: 1920, height: 1080 });
