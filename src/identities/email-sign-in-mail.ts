import type { MailMessage } from '../mail';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The link carries its token after `#`, so it reaches no server log and no Referer. */
export function emailSignInMail(to: string, url: string, code: string, ttlSeconds: number): MailMessage {
  const minutes = Math.round(ttlSeconds / 60);
  const lines = [
    'Someone asked to sign in to your account with this address.',
    `If it was you, follow the link or type the code ${code} within ${minutes} minutes. Either works once.`,
    'If it was not you, ignore this mail: nobody can sign in without it.',
  ];
  return {
    to,
    subject: 'Sign in to your account',
    text: [...lines, '', `Sign in: ${url}`].join('\n'),
    html: [...lines.map((line) => `<p>${escapeHtml(line)}</p>`), `<p><a href="${escapeHtml(url)}">Sign in</a></p>`].join('\n'),
  };
}
