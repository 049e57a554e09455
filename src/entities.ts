import { AuditEvent } from './admin/audit-event.entity';
import { Client } from './clients/client.entity';
import { SigningKey } from './keys/signing-key.entity';
import { MailOutboxEntry } from './mail/mail-outbox.entity';
import { RecoveryToken } from './recovery/recovery-token.entity';
import { User } from './users/user.entity';
import { WebhookOutboxEntry } from './events/webhooks/webhook-outbox.entity';
import { EmailSignIn } from './identities/email-sign-in.entity';
import { IdentityLogin } from './identities/identity-login.entity';
import { UserIdentity } from './identities/user-identity.entity';
import { Application } from './oidc/application.entity';
import { AuthorizationCode } from './oidc/authorization-code.entity';
import { ClientAssertion } from './oidc/client-assertion.entity';
import { Consent } from './oidc/consent.entity';
import { MfaToken } from './factors/entities/mfa-token.entity';
import { PasskeyClient } from './factors/entities/passkey-client.entity';
import { Passkey } from './factors/entities/passkey.entity';
import { RecoveryCode } from './factors/entities/recovery-code.entity';
import { TotpFactor } from './factors/entities/totp-factor.entity';
import { WebauthnChallenge } from './factors/entities/webauthn-challenge.entity';

/** Every entity, for the app's and the TypeORM CLI's data source (database/ imports no feature). */
export const entities = [
  User,
  Client,
  SigningKey,
  AuditEvent,
  RecoveryToken,
  MailOutboxEntry,
  WebhookOutboxEntry,
  UserIdentity,
  EmailSignIn,
  IdentityLogin,
  Application,
  AuthorizationCode,
  Consent,
  ClientAssertion,
  // Second factors (API.md §11).
  TotpFactor,
  Passkey,
  PasskeyClient,
  RecoveryCode,
  MfaToken,
  WebauthnChallenge,
];
