// What the login page says for each error code next-auth hands back (?error=… on a redirect, or
// `error` of signIn(…, { redirect: false })). Shared by the page and the client-side form.

const SIGNIN_ERRORS: Record<string, string> = {
  CredentialsSignin: "Wrong email or password, or the account is deactivated.",
  NotInvited: "Your single sign-on account has no Blindspot user. Ask an admin to add you.",
  SessionRequired: "Please sign in.",
  SsoEmailUnverified: "Your single sign-on provider did not confirm your email address, so it cannot be matched to a Blindspot user.",
  SsoAccountMismatch: "This Blindspot user is linked to another single sign-on account. Ask an admin.",
  SsoRefused: "Single sign-on failed.",
  TooManyAttempts: "Too many failed sign-ins for this account or from this network. Try again in 15 minutes.",
  SignInBusy: "Too many sign-ins at once. Try again in a moment.",
};

export function signinErrorMessage(code: string): string {
  return Object.hasOwn(SIGNIN_ERRORS, code) ? SIGNIN_ERRORS[code] : "Sign-in failed.";
}
