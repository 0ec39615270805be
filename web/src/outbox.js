// The outbox: task completions made without a network, kept in localStorage (not only a
// service worker: an intranet on plain http is not a secure context) and sent once when the
// network returns. Each entry carries the Idempotency-Key made when the user pressed 提交, so a
// resend of a completion that did reach the server is harmless. Entries are keyed by user, so
// the queue survives a reload and a re-login and one user never sends another's drafts.
//
// The module is plain JavaScript (no Vue, no DOM): storage and the API call are passed in, so
// `node --test` runs its tests without a browser (outbox.test.js).
//
// An entry: { taskId, key, result, title, queuedAt, state, error, completedBy }
//   state 'pending'  waiting to send (待发送)
//   state 'taken'    the task was completed by someone else meanwhile (已由 X 完成); draft kept
//   state 'refused'  the server refused the result or the task (422, 403, 404, 409 …); draft kept
//
// Limits: at most MAX_ENTRIES entries per user and MAX_RESULT_CHARS characters per result, so a
// phone's storage cannot fill up with drafts.

export const MAX_ENTRIES = 50
export const MAX_RESULT_CHARS = 100_000
// The last loaded inbox and at most MAX_CACHED_TASKS opened tasks stay readable offline.
export const MAX_CACHED_TASKS = 30

const prefix = 'tandem.outbox.'
const cachePrefix = 'tandem.offline.'

// newKey is an Idempotency-Key. crypto.randomUUID needs a secure context; getRandomValues
// does not.
export function newKey(crypto = globalThis.crypto) {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

// Outbox is one user's queue in one storage.
export class Outbox {
  constructor(storage, user, now = () => new Date()) {
    this.storage = storage
    this.user = user
    this.now = now
    this.listeners = new Set()
    this.sending = false
  }

  get storageKey() { return prefix + this.user }

  entries() {
    try {
      const v = JSON.parse(this.storage.getItem(this.storageKey) || '[]')
      return Array.isArray(v) ? v.filter((e) => e && e.taskId && e.key) : []
    } catch (_) {
      return []
    }
  }

  write(list) {
    if (list.length) this.storage.setItem(this.storageKey, JSON.stringify(list))
    else this.storage.removeItem(this.storageKey)
    for (const fn of this.listeners) fn(list)
  }

  // subscribe calls fn with the entries after every change; it returns the unsubscribe.
  subscribe(fn) {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  get(taskId) { return this.entries().find((e) => e.taskId === taskId) || null }

  pendingCount() { return this.entries().filter((e) => e.state === 'pending').length }

  // enqueue keeps a completion to send later; one entry per task (a new draft replaces the
  // old one but keeps its key when the result is the same, so a resend stays idempotent).
  enqueue(taskId, key, result, title = '') {
    const text = JSON.stringify(result)
    if (text.length > MAX_RESULT_CHARS) throw new Error('填写内容过长，无法离线保存')
    const list = this.entries().filter((e) => e.taskId !== taskId)
    if (list.length >= MAX_ENTRIES) throw new Error(`离线待发送已达 ${MAX_ENTRIES} 项，请联网后再填写`)
    const entry = { taskId, key, result, title: String(title).slice(0, 200), queuedAt: this.now().toISOString(), state: 'pending' }
    list.push(entry)
    this.write(list)
    return entry
  }

  remove(taskId) { this.write(this.entries().filter((e) => e.taskId !== taskId)) }

  update(taskId, patch) {
    this.write(this.entries().map((e) => (e.taskId === taskId ? { ...e, ...patch } : e)))
  }

  // flush sends every pending entry once, in the order queued. send(entry) performs
  // POST /tasks/{id}/complete with the entry's key and resolves, or rejects with an error that
  // has .status (the server answered) or .offline (it did not); fetchTask(id) reads the task.
  // It stops at the first network failure (the rest would fail too). It returns counts.
  async flush(send, fetchTask) {
    const out = { sent: 0, taken: 0, refused: 0, waiting: 0 }
    if (this.sending) return out
    this.sending = true
    try {
      for (const e of this.entries()) {
        if (e.state !== 'pending') continue
        try {
          await send(e)
          this.remove(e.taskId)
          out.sent++
          continue
        } catch (err) {
          if (err && err.offline) { out.waiting = this.pendingCount(); break }
          if (!err || !err.status || err.status >= 500 || err.status === 429) { out.waiting++; continue }
          if (err.status === 409) {
            // Closed meanwhile: by us (an earlier send that reached the server) or by someone else.
            let task = null
            try { task = await fetchTask(e.taskId) } catch (_) { /* judged below */ }
            if (task && task.status === 'completed' && task.completed_by === this.user) {
              this.remove(e.taskId)
              out.sent++
              continue
            }
            if (task && task.status === 'completed') {
              this.update(e.taskId, { state: 'taken', completedBy: task.completed_by || '', error: '' })
              out.taken++
              continue
            }
          }
          this.update(e.taskId, { state: 'refused', error: (err && err.message) || '提交被拒绝', fields: (err && err.fields) || [] })
          out.refused++
        }
      }
    } finally {
      this.sending = false
    }
    return out
  }
}

// OfflineCache keeps the last loaded inbox and the tasks opened last, per user.
export class OfflineCache {
  constructor(storage, user) {
    this.storage = storage
    this.user = user
  }

  read() {
    try {
      const v = JSON.parse(this.storage.getItem(cachePrefix + this.user) || 'null')
      if (v && typeof v === 'object') return { inbox: v.inbox || null, tasks: v.tasks || {}, order: v.order || [] }
    } catch (_) { /* a damaged cache is the same as none */ }
    return { inbox: null, tasks: {}, order: [] }
  }

  write(v) {
    try {
      this.storage.setItem(cachePrefix + this.user, JSON.stringify(v))
    } catch (_) {
      // Full: keep only the inbox.
      try { this.storage.setItem(cachePrefix + this.user, JSON.stringify({ inbox: v.inbox, tasks: {}, order: [] })) } catch (_) { /* give up */ }
    }
  }

  saveInbox(items, at) {
    const v = this.read()
    v.inbox = { items, at }
    this.write(v)
  }

  saveTask(task) {
    const v = this.read()
    v.tasks[task.id] = task
    v.order = [task.id, ...v.order.filter((id) => id !== task.id)]
    for (const id of v.order.slice(MAX_CACHED_TASKS)) delete v.tasks[id]
    v.order = v.order.slice(0, MAX_CACHED_TASKS)
    this.write(v)
  }

  task(id) { return this.read().tasks[id] || null }
  inbox() { return this.read().inbox }
}
