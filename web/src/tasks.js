// Small helpers the task screens share: the status colours, the deadline line ("还剩 N 个工作日"), and a form result cleaned for sending.
import { day } from './format.js'

// The tag colour of each task status; the words (status_label, history's type_label) come
// from the API.
export const statusTypes = { open: 'warning', claimed: 'primary', completed: 'success', cancelled: 'info' }

// deadline is the line under a task: 截止 2026年12月1日 · 还剩 3 个工作日.
export function deadline(t) {
  if (!t || !t.due_at) return ''
  const base = `截止 ${day(t.due_at)}`
  const n = t.working_days_left
  if (t.status === 'completed' || t.status === 'cancelled' || n === undefined || n === null) return base
  if (n > 0) return `${base} · 还剩 ${n} 个工作日`
  if (n === 0) return `${base} · 今天到期`
  return `${base} · 已逾期 ${-n} 个工作日`
}

// cleanResult drops what the user left empty (undefined, null, '' and empty lists) unless the
// schema requires it, so optional fields are absent rather than blank.
export function cleanResult(schema, v) {
  if (!schema || v === null || v === undefined) return v
  if (schema.type === 'object' && schema.properties && typeof v === 'object') {
    const req = new Set(schema.required || [])
    const out = {}
    for (const [k, s] of Object.entries(schema.properties)) {
      let x = cleanResult(s, v[k])
      if (typeof x === 'string') x = x.trim()
      const empty = x === undefined || x === null || x === '' || (Array.isArray(x) && x.length === 0)
      if (!empty || (req.has(k) && x !== undefined && x !== null)) out[k] = x
    }
    return out
  }
  if (schema.type === 'array' && Array.isArray(v)) return v.map((x) => cleanResult(schema.items, x))
  return v
}
