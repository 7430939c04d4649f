// The API client: JSON in and out, the session cookie, the CSRF header on writes, and
// one place that notices a lost session.

const BASE = '/api/v1';

let csrfToken = null;
let onUnauthenticated = null;

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'internal');
    this.details = e.details || {};
  }
}

export function setCsrf(token) {
  csrfToken = token || null;
}

let onSessionLeft = null;

/** handler(seconds) is called with every answer's X-Session-Expires-In. */
export function setSessionLeftHandler(handler) {
  onSessionLeft = handler;
}

/** handler(err) is called on any 401 outside the login request. */
export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

function url(path, params) {
  let u = BASE + path;
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    }
    const s = q.toString();
    if (s) u += `?${s}`;
  }
  return u;
}

async function request(method, path, { params, body, raw, retried } = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    // A raw body (a photo) goes as it is, with its own type.
    headers['Content-Type'] = raw ? (raw.type || 'application/octet-stream') : 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    init.body = raw || JSON.stringify(body === undefined ? {} : body);
  }
  let res;
  try {
    res = await fetch(url(path, params), init);
  } catch {
    throw new ApiError(0, null);
  }
  const left = res.headers.get('X-Session-Expires-In');
  if (left !== null && onSessionLeft) onSessionLeft(Number(left));
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    // Another tab may have logged in again: take the session's current token once.
    if (res.status === 403 && err.details.reason === 'csrf' && !retried) {
      const me = await request('GET', '/me').catch(() => null);
      if (me && me.csrf_token) {
        setCsrf(me.csrf_token);
        return request(method, path, { params, body, raw, retried: true });
      }
    }
    if (res.status === 401 && path !== '/login' && onUnauthenticated) onUnauthenticated(err);
    throw err;
  }
  return data;
}

export const api = {
  get: (path, params) => request('GET', path, { params }),
  post: (path, body) => request('POST', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  /** POSTs a file or blob as the raw body, with query params. */
  upload: (path, params, blob) => request('POST', path, { params, raw: blob }),
};

// Small caches for lists that rarely change during a visit.
const cache = new Map();

export function cached(path, params) {
  const key = url(path, params);
  if (!cache.has(key)) {
    const p = api.get(path, params).catch((e) => {
      cache.delete(key);
      throw e;
    });
    cache.set(key, p);
  }
  return cache.get(key);
}

/** Forgets cached lists whose path starts with prefix (all of them without one). */
export function invalidate(prefix) {
  for (const k of [...cache.keys()]) {
    if (!prefix || k.startsWith(BASE + prefix)) cache.delete(k);
  }
}
