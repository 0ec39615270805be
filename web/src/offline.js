// The outbox and the offline cache for the logged-in user, wired to the page: a reactive
// count for the header, and a flush on load, on the browser's `online` event and every
// RETRY_MS while anything waits.
import { reactive } from 'vue'
import { api, session, NetworkError } from './api.js'
import { Outbox, OfflineCache } from './outbox.js'

const RETRY_MS = 15_000

export const outboxState = reactive({ pending: 0, entries: [], lastFlush: null })

let box = null
let boxUser = ''

// outbox is the current user's queue (null when nobody is logged in).
export function outbox() {
  const user = session.me && session.me.username
  if (!user) return null
  if (!box || boxUser !== user) {
    box = new Outbox(localStorage, user)
    boxUser = user
    box.subscribe(refresh)
    refresh(box.entries())
  }
  return box
}

export function offlineCache() {
  const user = session.me && session.me.username
  return user ? new OfflineCache(localStorage, user) : null
}

function refresh(list) {
  outboxState.entries = list
  outboxState.pending = list.filter((e) => e.state === 'pending').length
}

async function send(e) {
  try {
    await api('POST', `/tasks/${encodeURIComponent(e.taskId)}/complete`, { result: e.result }, { headers: { 'Idempotency-Key': e.key } })
  } catch (err) {
    if (err instanceof NetworkError) err.offline = true
    throw err
  }
}

// flushOutbox sends what waits; it is safe to call at any time.
export async function flushOutbox() {
  const o = outbox()
  if (!o || !o.pendingCount()) return null
  const out = await o.flush(send, (id) => api('GET', `/tasks/${encodeURIComponent(id)}`))
  outboxState.lastFlush = out
  return out
}

let started = false

// startOutbox installs the triggers once.
export function startOutbox() {
  if (started) return
  started = true
  window.addEventListener('online', () => { flushOutbox() })
  window.addEventListener('storage', (ev) => { if (ev.key && ev.key.startsWith('tandem.outbox.') && box) refresh(box.entries()) })
  setInterval(() => { if (outboxState.pending) flushOutbox() }, RETRY_MS)
  outbox()
  flushOutbox()
}
