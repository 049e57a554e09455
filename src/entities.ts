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
];
