import { tempDatabase } from './app';
import { describeRaceConformance } from './race-conformance';

const database = tempDatabase();
afterAll(() => database.remove());

describeRaceConformance('SQLite', () => ({ DATABASE_URL: database.url }));
