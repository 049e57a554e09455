import { InitialSchema1764223200000 } from './1764223200000-initial-schema';
import { SigningKeyActivation1764230400000 } from './1764230400000-signing-key-activation';
import { RecentSpentHashes1764237600000 } from './1764237600000-recent-spent-hashes';
import { HealthProbe1764910000000 } from './1764910000000-health-probe';
import { RolesAndAudit1765000000000 } from './1765000000000-roles-and-audit';
import { AccountRecovery1765020000000 } from './1765020000000-account-recovery';
import { WebhookOutbox1765100000000 } from './1765100000000-webhook-outbox';
import { AuditDetailsText1766000000000 } from './1766000000000-audit-details-text';
import { RecentAuthentication1766100000000 } from './1766100000000-recent-authentication';
import { DpopBinding1767100000000 } from './1767100000000-dpop-binding';
import { Identities1767200000000 } from './1767200000000-identities';
import { OpenIdProvider1767300000000 } from './1767300000000-openid-provider';
import { SecondFactors1767000000000 } from './1767000000000-second-factors';
import { MfaTokenProvider1767400000000 } from './1767400000000-mfa-token-provider';

/** Every migration, oldest first. A new one is generated into this folder and added here. */
export const migrations = [
  InitialSchema1764223200000,
  SigningKeyActivation1764230400000,
  RecentSpentHashes1764237600000,
  HealthProbe1764910000000,
  RolesAndAudit1765000000000,
  AccountRecovery1765020000000,
  WebhookOutbox1765100000000,
  AuditDetailsText1766000000000,
  RecentAuthentication1766100000000,
  DpopBinding1767100000000,
  Identities1767200000000,
  OpenIdProvider1767300000000,
  SecondFactors1767000000000,
  MfaTokenProvider1767400000000,
];
