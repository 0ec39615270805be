// The one way the UI talks to Tandem: JSON over /api/v1 with the session's bearer token.
// Problem details (RFC 9457) become a Problem error carrying the field errors, so a form can
// show each message on the field it names. The UI keeps no rule of its own: what it shows
// comes from the API.
import { reactive } from 'vue'
import { STORE_KEY } from './early.js'

// session is the logged-in user: token and expiry from /auth/login, identity from /me.
// It is kept in localStorage so that a reload keeps the user logged in.
export const session = reactive(load())

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(STORE_KEY) || 'null')
    if (s && s.token && (!s.expiresAt || new Date(s.expiresAt) > new Date())) return s
  } catch (_) { /* a damaged entry is the same as none */ }
  return { token: '', expiresAt: '', me: null }
}

function save() {
  localStorage.setItem(STORE_KEY, JSON.stringify({ token: session.token, expiresAt: session.expiresAt, me: session.me }))
}

export function loggedIn() {
  return !!session.token && (!session.expiresAt || new Date(session.expiresAt) > new Date())
}

// onExpired is called when the server no longer accepts the token (set by the router).
let onExpired = () => {}
export function setOnExpired(fn) { onExpired = fn }

export function clearSession() {
  session.token = ''
  session.expiresAt = ''
  session.me = null
  localStorage.removeItem(STORE_KEY)
}

// Problem is a refused request: status, Chinese detail, code, and field errors.
export class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `请求失败（${status}）`)
    this.status = status
    this.code = body && body.code
    this.fields = (body && body.errors) || []
    this.body = body
  }
  // fieldErrors maps a field path to its messages, for forms.
  fieldErrors() {
    const m = {}
    for (const f of this.fields) (m[f.field] = m[f.field] || []).push(f.reason)
    return m
  }
}

// NetworkError is a request that never reached the server (offline, server down).
export class NetworkError extends Error {
  constructor(cause) {
    super('网络不可用，请稍后再试')
    this.cause = cause
  }
}

// api calls method path (under /api/v1) with an optional JSON body.
// opts.headers adds headers; opts.raw returns the Response (downloads); opts.form sends FormData;
// opts.early is a response already on its way for this same request (early.js).
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) }
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  let payload
  if (opts.form) payload = opts.form
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let res
  try {
    res = await (opts.early || fetch(`/api/v1${path}`, { method, headers, body: payload }))
  } catch (e) {
    throw new NetworkError(e)
  }
  if (res.status === 401 && session.token && path !== '/auth/login') {
    clearSession()
    onExpired()
  }
  if (!res.ok) {
    let b = null
    try { b = await res.json() } catch (_) { /* not JSON */ }
    throw new Problem(res.status, b)
  }
  if (opts.raw) return res
  if (res.status === 204) return null
  const text = await res.text()
  return text ? JSON.parse(text) : null
}

export async function login(username, password) {
  const out = await api('POST', '/auth/login', { username, password })
  session.token = out.token
  session.expiresAt = out.expires_at || ''
  session.me = await api('GET', '/me')
  save()
  return session.me
}

export async function logout() {
  try { await api('POST', '/auth/logout') } catch (_) { /* leaving anyway */ }
  clearSession()
}

// roles lists the caller's roles over all their units ("officer", "secretary", ...).
export function roles() {
  const me = session.me
  if (!me) return []
  return [...new Set((me.memberships || []).map((m) => m.role))]
}

export function hasRole(r) {
  return roles().includes(r) || (!!session.me && session.me.admin && r === 'admin')
}
