import { InitialSchema1764223200000 } from './1764223200000-initial-schema';

/** Every migration, oldest first. A new one is generated into this folder and added here. */
export const migrations = [InitialSchema1764223200000];
