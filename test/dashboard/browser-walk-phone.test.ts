import { walkEveryPage } from './helpers/walk.js';

walkEveryPage({ name: 'phone', width: 390, height: 844 });
