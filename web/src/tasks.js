// Words and small helpers the task screens share: Chinese names of statuses and history
// events, the deadline line ("还剩 N 个工作日"), and a form result cleaned for sending.
import { day } from './format.js'

export const statusTitles = { open: '待认领', claimed: '办理中', completed: '已完成', cancelled: '已取消' }
export const statusTypes = { open: 'warning', claimed: 'primary', completed: 'success', cancelled: 'info' }

export const historyTitles = {
  created: '创建', claimed: '认领', unclaimed: '退回待认领', assigned: '指派', delegated: '委托',
  resolved: '委托办结', reminded: '提醒', escalated: '逾期上报', deadline_extended: '延长期限',
  completed: '完成', cancelled: '取消', commented: '评论', attached: '上传附件', refused: '提交被退回',
  unstaffed: '无人办理，转上级', extension_requested: '申请延期', extension_granted: '同意延期',
  extension_refused: '不同意延期',
}

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
