/* The factors module's one import for the shell and the admin API. */
export { FactorsModule } from './factors.module';
export { FactorsService } from './factors.service';
