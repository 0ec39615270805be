// Chinese words for a period's kind and status and an analysis's status (stable English codes
// from the API), and a period's name for people (2026年10月, 2026年第三季度, 2026年上半年).
const kinds = { monthly: '月度', quarterly: '季度', 'half-year': '半年' }
const statuses = {
  running: { label: '进行中', type: 'primary' },
  done: { label: '已完成', type: 'success' },
  failed: { label: '出错', type: 'danger' },
}
const analyses = { drafting: '起草中', published: '已发布' }

export const periodKind = (k) => kinds[k] || k || '—'
export const periodStatus = (s) => statuses[s] || { label: s || '—', type: 'info' }
export const analysisStatus = (s) => analyses[s] || s || '—'

export function periodName(p) {
  const s = (p && p.period) || ''
  let m = /^(\d{4})-(\d{2})$/.exec(s)
  if (m) return `${m[1]}年${Number(m[2])}月`
  m = /^(\d{4})-Q([1-4])$/.exec(s)
  if (m) return `${m[1]}年第${'一二三四'[Number(m[2]) - 1]}季度`
  m = /^(\d{4})-H([12])$/.exec(s)
  if (m) return `${m[1]}年${m[2] === '1' ? '上' : '下'}半年`
  return s
}
