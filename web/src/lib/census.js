// Chinese words for a census round's status and selection (stable English codes from the API).
import { day } from '../format.js'

const statuses = {
  running: { label: '进行中', type: 'primary' },
  done: { label: '已完成', type: 'success' },
  cancelled: { label: '已取消', type: 'info' },
}
export const roundStatus = (s) => statuses[s] || { label: s || '—', type: 'info' }

export function roundSelect(r) {
  switch (r.select) {
    case 'all': return '全部组织'
    case 'changed': return r.since ? `${day(r.since)}以来有变化的` : '有变化的组织'
    case 'unverified': return '尚未核实的组织'
    case 'tag': return r.tag ? `标签：${r.tag}` : '按标签'
    default: return r.select || '—'
  }
}

// actor names who started a round: a user name, or 系统 for the monthly cycle's own rounds.
export const actor = (a) => (a === 'system' ? '系统' : a || '—')
