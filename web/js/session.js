// Who is logged in, and what their role may use.

export const session = {
  user: null,
  idleTimeout: null,
};

export function role() {
  return session.user ? session.user.role : null;
}

export function isClinical() {
  return role() === 'practitioner' || role() === 'admin';
}

export function isAdmin() {
  return role() === 'admin';
}

/** Practitioners and admins may book inside the minimum spacing with a reason. */
export function mayOverrideSpacing() {
  return isClinical();
}

/** Only admins may book outside working hours with a reason. */
export function mayOverrideHours() {
  return isAdmin();
}
